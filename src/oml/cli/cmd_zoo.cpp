#include "oml/cli/commands.h"

namespace oml::cli {

void add_zoo_command(CLI::App& app) { add_unimplemented_command(app, "zoo", "List pretrained extractor weights and their cache status"); }

}  // namespace oml::cli
