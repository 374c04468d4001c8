#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace oml {

// Shape of a DINO-style ViT (spec §3.1). Head dim is dim / heads (64 for every OML arch).
struct ViTConfig {
  std::string arch;
  int64_t patch_size = 16;
  int64_t dim = 384;
  int64_t depth = 12;
  int64_t heads = 6;
  int64_t mlp_hidden = 1536;
  // Side of the square patch grid the position embeddings were trained for (224 / patch).
  int64_t pos_grid = 14;

  int64_t head_dim() const { return dim / heads; }
  int64_t pos_tokens() const { return pos_grid * pos_grid + 1; }
};

// The architectures `--arch` accepts: vits16, vits8, vitb16, vitb8, vitt16.
// Throws InputError naming the known archs for anything else.
ViTConfig vit_config_for_arch(const std::string& arch);
std::vector<std::string> known_vit_archs();

}  // namespace oml
