#include "oml/cli/commands.h"

namespace oml::cli {

void add_extract_command(CLI::App& app) { add_unimplemented_command(app, "extract", "Embed every image of a CSV with a ViT extractor"); }

}  // namespace oml::cli
