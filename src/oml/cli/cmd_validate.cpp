#include "oml/cli/commands.h"

namespace oml::cli {

void add_validate_command(CLI::App& app) { add_unimplemented_command(app, "validate", "Check an OML-format dataset CSV and print a summary"); }

}  // namespace oml::cli
