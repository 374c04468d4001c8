#include "oml/cli/commands.h"

namespace oml::cli {

void add_dataset_command(CLI::App& app) { add_unimplemented_command(app, "dataset", "Build a real dataset in OML format"); }

}  // namespace oml::cli
