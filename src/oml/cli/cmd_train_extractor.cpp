#include "oml/cli/commands.h"

namespace oml::cli {

void add_train_extractor_command(CLI::App& app) { add_unimplemented_command(app, "train-extractor", "Train a ViT extractor with a metric-learning loss"); }

}  // namespace oml::cli
