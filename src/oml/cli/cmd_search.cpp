#include "oml/cli/commands.h"

namespace oml::cli {

void add_search_command(CLI::App& app) { add_unimplemented_command(app, "search", "Top-k retrieval for every query, written as CSV"); }

}  // namespace oml::cli
