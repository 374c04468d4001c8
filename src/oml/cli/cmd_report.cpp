#include "oml/cli/commands.h"

namespace oml::cli {

void add_report_command(CLI::App& app) { add_unimplemented_command(app, "report", "HTML report of retrieval results"); }

}  // namespace oml::cli
