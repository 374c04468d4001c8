#pragma once
#include <torch/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace oml {

// One output position of DINO's bicubic resampling: four source indices (already clamped to the
// grid) and their weights.
struct CubicTaps {
  std::array<int64_t, 4> index{};
  std::array<double, 4> weight{};
};

// Taps for resampling a grid of `grid` cells to `out_size` cells the way DINO's
// interpolate_pos_encoding calls F.interpolate (spec §3.2): bicubic A=-0.75, align_corners=False,
// step grid/(out_size+0.1), taps clamped to [0, grid-1]. Computed in double.
std::vector<CubicTaps> dino_bicubic_taps(int64_t grid, int64_t out_size);

// True when DINO uses the stored position embeddings unchanged: the patch count equals the stored
// one AND the input is square in pixels (224x224, 230x230; not 224x230).
bool pos_embed_needs_no_resampling(int64_t grid, int64_t hp, int64_t wp, int64_t height, int64_t width);

// Resamples the patch part of pos_embed [1, 1 + grid^2, D] to an hp x wp grid and prepends the CLS
// embedding unchanged. Dense per-axis weight matrices are cached per (hp, wp), so each call is two
// small matmuls; gradients flow to pos_embed.
class PosEmbedInterpolator {
 public:
  explicit PosEmbedInterpolator(int64_t grid) : grid_(grid) {}

  torch::Tensor operator()(const torch::Tensor& pos_embed, int64_t hp, int64_t wp, int64_t height,
                           int64_t width);

 private:
  // [out, grid] float64 matrix whose row o holds the (summed, for clamped duplicates) tap weights.
  torch::Tensor axis_matrix(int64_t out_size);

  int64_t grid_;
  std::mutex mutex_;
  std::map<int64_t, torch::Tensor> matrices_;
};

}  // namespace oml
