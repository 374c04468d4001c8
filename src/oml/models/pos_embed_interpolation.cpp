#include "oml/models/pos_embed_interpolation.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace oml {
namespace {

constexpr double kCubicA = -0.75;  // PyTorch's bicubic kernel constant (not Pillow's -0.5)

double cubic_inner(double x) { return ((kCubicA + 2) * x - (kCubicA + 3)) * x * x + 1; }
double cubic_outer(double x) { return ((kCubicA * x - 5 * kCubicA) * x + 8 * kCubicA) * x - 4 * kCubicA; }

}  // namespace

std::vector<CubicTaps> dino_bicubic_taps(int64_t grid, int64_t out_size) {
  // DINO passes scale_factor=(out+0.1)/grid, and PyTorch uses its reciprocal as the step.
  const double step = static_cast<double>(grid) / (static_cast<double>(out_size) + 0.1);
  std::vector<CubicTaps> taps(static_cast<size_t>(out_size));
  for (int64_t o = 0; o < out_size; ++o) {
    const double src = (static_cast<double>(o) + 0.5) * step - 0.5;
    const double i0 = std::floor(src);
    const double t = src - i0;
    auto& tap = taps[static_cast<size_t>(o)];
    tap.weight = {cubic_outer(t + 1), cubic_inner(t), cubic_inner(1 - t), cubic_outer(2 - t)};
    for (int k = 0; k < 4; ++k) {
      tap.index[k] = std::clamp<int64_t>(static_cast<int64_t>(i0) - 1 + k, 0, grid - 1);
    }
  }
  return taps;
}

bool pos_embed_needs_no_resampling(int64_t grid, int64_t hp, int64_t wp, int64_t height, int64_t width) {
  return hp * wp == grid * grid && height == width;
}

torch::Tensor PosEmbedInterpolator::axis_matrix(int64_t out_size) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = matrices_.find(out_size);
  if (found != matrices_.end()) return found->second;
  auto matrix = torch::zeros({out_size, grid_}, torch::kFloat64);
  auto access = matrix.accessor<double, 2>();
  const auto taps = dino_bicubic_taps(grid_, out_size);
  for (int64_t o = 0; o < out_size; ++o) {
    for (int k = 0; k < 4; ++k) access[o][taps[o].index[k]] += taps[o].weight[k];
  }
  matrices_.emplace(out_size, matrix);
  return matrix;
}

torch::Tensor PosEmbedInterpolator::operator()(const torch::Tensor& pos_embed, int64_t hp, int64_t wp,
                                               int64_t height, int64_t width) {
  if (pos_embed_needs_no_resampling(grid_, hp, wp, height, width)) return pos_embed;
  const int64_t dim = pos_embed.size(2);
  const auto cls = pos_embed.slice(1, 0, 1);
  // Double throughout so the only float rounding is the final cast (as close to F.interpolate's
  // per-pixel float sums as a matmul can get; measured agreement is ~1e-7).
  const auto patches = pos_embed.slice(1, 1).reshape({grid_, grid_, dim}).to(torch::kFloat64);
  const auto along_columns = torch::matmul(axis_matrix(wp), patches);  // [grid, wp, dim]
  const auto resampled =
      torch::matmul(axis_matrix(hp), along_columns.reshape({grid_, wp * dim})).reshape({1, hp * wp, dim});
  return torch::cat({cls, resampled.to(pos_embed.scalar_type())}, 1);
}

}  // namespace oml
