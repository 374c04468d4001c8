#include "oml/training/finite_step.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "oml/training/finite_kernel.h"

namespace oml::training {

bool loss_and_gradients_finite(const torch::Tensor& loss, torch::optim::Optimizer& optimizer) {
  torch::NoGradGuard no_grad;
  if (!torch::isfinite(loss.detach()).all().item<bool>()) return false;
  // Contiguous float gradients are checked in slices by one parallel region: a torch reduction per
  // tensor started ~100 thread wake-ups per step, a noticeable share of a small ViT's step.
  struct Slice {
    const float* data;
    int64_t count;
  };
  constexpr int64_t kSliceFloats = 1 << 16;
  std::vector<Slice> slices;
  for (const auto& group : optimizer.param_groups()) {
    for (const auto& parameter : group.params()) {
      const torch::Tensor& grad = parameter.grad();
      if (!grad.defined()) continue;
      if (grad.scalar_type() != torch::kFloat || !grad.is_contiguous()) {
        if (!torch::isfinite(grad).all().item<bool>()) return false;
        continue;
      }
      const float* data = grad.data_ptr<float>();
      for (int64_t begin = 0; begin < grad.numel(); begin += kSliceFloats) {
        slices.push_back({data + begin, std::min(kSliceFloats, grad.numel() - begin)});
      }
    }
  }
  std::atomic<bool> finite{true};
  at::parallel_for(0, static_cast<int64_t>(slices.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end && finite.load(std::memory_order_relaxed); ++i) {
      if (!all_finite(slices[i].data, slices[i].count)) finite.store(false, std::memory_order_relaxed);
    }
  });
  return finite.load();
}

void clear_gradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups()) {
    for (auto& parameter : group.params()) parameter.mutable_grad().reset();
  }
}

bool step_if_finite(const torch::Tensor& loss, torch::optim::Optimizer& optimizer) {
  if (!loss_and_gradients_finite(loss, optimizer)) {
    clear_gradients(optimizer);
    return false;
  }
  optimizer.step();
  return true;
}

}  // namespace oml::training
