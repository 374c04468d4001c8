#include "oml/models/inference_linear.h"

#include "oml/models/dnnl_gemm.h"
#include "oml/models/training_linear.h"

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
  if (needs_autograd(x, weight, bias)) return linear_with_grad(x, weight, bias);
  if (!is_plain_float(x) || !is_plain_float(weight) || !weight.is_contiguous() || x.dim() < 1 ||
      weight.dim() != 2 || x.size(-1) != weight.size(1) || x.numel() == 0 ||
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
  dnnl_sgemm_row_major('N', 'T', count, out_features, in_features, rows.data_ptr<float>(), in_features,
                       weight.data_ptr<float>(), in_features, beta, out.data_ptr<float>(), out_features);
  std::vector<int64_t> sizes = x.sizes().vec();
  sizes.back() = out_features;
  return out.view(sizes);
}

}  // namespace oml
