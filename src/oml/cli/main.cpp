// oml-full: every subcommand. The light front `oml` (front/main.cpp) runs the commands that need
// no libtorch itself and execs this binary, with the unchanged command line, for everything else.
#include "oml/cli/commands.h"
#include "oml/cli/light/run_app.h"

namespace {

void add_all_commands(CLI::App& app) {
  oml::cli::add_validate_command(app);
  oml::cli::add_extract_command(app);
  oml::cli::add_evaluate_command(app);
  oml::cli::add_search_command(app);
  oml::cli::add_serve_command(app);
  oml::cli::add_train_reranker_command(app);
  oml::cli::add_train_extractor_command(app);
  oml::cli::add_report_command(app);
  oml::cli::add_dataset_command(app);
  oml::cli::add_demo_command(app);
  oml::cli::add_zoo_command(app);
}

}  // namespace

int main(int argc, char** argv) { return oml::cli::run_app(argc, argv, add_all_commands); }
