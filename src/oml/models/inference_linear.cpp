#include "oml/models/inference_linear.h"

#include <ATen/Parallel.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <stdexcept>
#include <string>

namespace oml {
namespace {

bool needs_autograd(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!torch::GradMode::is_enabled()) return false;
  return x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad());
}

bool is_plain_float(const torch::Tensor& t) {
  return t.scalar_type() == torch::kFloat && t.device().is_cpu();
}

}  // namespace

torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (needs_autograd(x, weight, bias) || !is_plain_float(x) || !is_plain_float(weight) ||
      !weight.is_contiguous() || x.dim() < 1 || weight.dim() != 2 || x.size(-1) != weight.size(1) ||
      x.numel() == 0 ||
      (bias.defined() &&
       (!is_plain_float(bias) || !bias.is_contiguous() || bias.numel() != weight.size(0)))) {
    return torch::linear(x, weight, bias);
  }
  const int64_t in_features = weight.size(1);
  const int64_t out_features = weight.size(0);
  const torch::Tensor rows = x.reshape({-1, in_features}).contiguous();
  const int64_t count = rows.size(0);
  torch::Tensor out = torch::empty({count, out_features}, x.options());
  float beta = 0.0f;
  if (bias.defined()) {
    // A copy, never a view: for one row, expand(...).contiguous() would hand back the bias itself
    // and the GEMM would accumulate into the parameter.
    out.copy_(bias.expand({count, out_features}));
    beta = 1.0f;
  }
  // oneDNN's OpenMP kernels take the calling thread's OpenMP setting; keep it at libtorch's.
  const int threads = at::get_num_threads();
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  const dnnl_status_t status =
      dnnl_sgemm('N', 'T', count, out_features, in_features, 1.0f, rows.data_ptr<float>(), in_features,
                 weight.data_ptr<float>(), in_features, beta, out.data_ptr<float>(), out_features);
  if (status != dnnl_success) {
    throw std::runtime_error("oneDNN sgemm failed with status " + std::to_string(static_cast<int>(status)));
  }
  std::vector<int64_t> sizes = x.sizes().vec();
  sizes.back() = out_features;
  return out.view(sizes);
}

}  // namespace oml
