// oml: the light front. It runs `--version` and the commands that need neither libtorch nor OpenCV
// (validate without --check-images, evaluate and search without --post outside torchrun) and so
// starts in milliseconds instead of loading libtorch's ~0.5 s of operator registration and
// OpenCV's ~140 libraries; every other command line is exec'd unchanged in oml-full.
#include <cstring>

#include "oml/cli/commands.h"
#include "oml/cli/front/full_binary.h"
#include "oml/cli/light/run_app.h"

namespace {

// The subcommands whose CLI definitions (shared with oml-full) the front registers. Anything else,
// including the top-level --help that lists every command, belongs to oml-full.
bool front_runs(int argc, char** argv) {
  if (argc < 2) return false;
  for (const char* name : {"validate", "evaluate", "search", "--version"}) {
    if (std::strcmp(argv[1], name) == 0) return true;
  }
  return false;
}

void add_light_commands(CLI::App& app) {
  oml::cli::add_validate_command(app);
  oml::cli::add_evaluate_command(app);
  oml::cli::add_search_command(app);
}

}  // namespace

int main(int argc, char** argv) {
  oml::cli::remember_command_line(argv);
  if (!front_runs(argc, argv)) oml::cli::exec_full_binary();
  return oml::cli::run_app(argc, argv, add_light_commands);
}
