#include "oml/cli/commands.h"

namespace oml::cli {

void add_train_reranker_command(CLI::App& app) { add_unimplemented_command(app, "train-reranker", "Train a ConcatSiamese pairwise re-ranker"); }

}  // namespace oml::cli
