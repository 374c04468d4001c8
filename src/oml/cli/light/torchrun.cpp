#include "oml/cli/light/torchrun.h"

#include <cstdlib>

namespace oml::cli {

bool launched_by_torchrun() { return std::getenv("RANK") != nullptr || std::getenv("WORLD_SIZE") != nullptr; }

}  // namespace oml::cli
