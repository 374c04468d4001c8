#include "oml/cli/commands.h"

namespace oml::cli {

void add_demo_command(CLI::App& app) { add_unimplemented_command(app, "demo", "Run the whole pipeline on the bundled default"); }

}  // namespace oml::cli
