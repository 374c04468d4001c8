#include "oml/cli/commands.h"

namespace oml::cli {

void add_evaluate_command(CLI::App& app) { add_unimplemented_command(app, "evaluate", "Retrieval metrics (CMC, precision, mAP, FNMR@FMR, PCF) from embeddings"); }

}  // namespace oml::cli
