#include "oml/models/vit_config.h"

#include <fmt/format.h>

#include "oml/common/errors.h"

namespace oml {
namespace {

// Data-driven so a new size is one line; pos_grid is always 224 / patch (DINO trains at 224).
const std::vector<ViTConfig>& arch_table() {
  static const std::vector<ViTConfig> table = {
      {"vits16", 16, 384, 12, 6, 1536, 14},  {"vits8", 8, 384, 12, 6, 1536, 28},
      {"vitb16", 16, 768, 12, 12, 3072, 14}, {"vitb8", 8, 768, 12, 12, 3072, 28},
      {"vitt16", 16, 192, 12, 3, 768, 14},
  };
  return table;
}

}  // namespace

std::vector<std::string> known_vit_archs() {
  std::vector<std::string> names;
  for (const auto& config : arch_table()) names.push_back(config.arch);
  return names;
}

ViTConfig vit_config_for_arch(const std::string& arch) {
  for (const auto& config : arch_table()) {
    if (config.arch == arch) return config;
  }
  throw InputError(
      fmt::format("--arch: unknown architecture '{}' (known: {})", arch, fmt::join(known_vit_archs(), ", ")));
}

}  // namespace oml
