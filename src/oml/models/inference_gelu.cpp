#include "oml/models/inference_gelu.h"

#include <ATen/Parallel.h>

#include "oml/models/gelu_kernel.h"
#include "oml/models/training_gelu.h"

namespace oml {

torch::Tensor gelu_exact(torch::Tensor x) {
  if (torch::GradMode::is_enabled() && x.requires_grad()) return gelu_exact_with_grad(x);
  if (x.scalar_type() != torch::kFloat || !x.device().is_cpu() || !x.is_contiguous()) {
    return torch::gelu(x);
  }
  float* data = x.data_ptr<float>();
  constexpr int64_t kGrain = 1 << 15;
  at::parallel_for(0, x.numel(), kGrain, [data](int64_t begin, int64_t end) {
    gelu_exact_kernel(data + begin, data + begin, end - begin);
  });
  return x;
}

}  // namespace oml
