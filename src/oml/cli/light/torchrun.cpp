#include "oml/cli/light/torchrun.h"

#include <cstdlib>
#include <cstring>

#include "oml/common/atomic_file.h"

namespace oml::cli {

bool launched_by_torchrun() { return std::getenv("RANK") != nullptr || std::getenv("WORLD_SIZE") != nullptr; }

void require_output_location(const std::string& option, const std::string& path) {
  const char* rank = std::getenv("RANK");
  if (rank != nullptr && std::strcmp(rank, "0") != 0) return;
  require_writable_location(option, path);
}

}  // namespace oml::cli
