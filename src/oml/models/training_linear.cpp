#include "oml/models/training_linear.h"

#include <torch/csrc/autograd/custom_function.h>

#include <atomic>

#include "oml/models/bf16_matmul.h"
#include "oml/models/dnnl_gemm.h"

namespace oml {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

std::atomic<bool> bf16_gemms{false};

bool is_float_cpu(const torch::Tensor& t) {
  return t.defined() && t.scalar_type() == torch::kFloat && t.device().is_cpu();
}

std::vector<int64_t> output_sizes(const torch::Tensor& x, int64_t out_features) {
  std::vector<int64_t> sizes = x.sizes().vec();
  sizes.back() = out_features;
  return sizes;
}

// float32 GEMMs on oneDNN's sgemm; operands are used as views wherever their layout allows.
class DnnlLinear : public torch::autograd::Function<DnnlLinear> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias) {
    const int64_t in_features = weight.size(1);
    const int64_t out_features = weight.size(0);
    const torch::Tensor rows = gemm_rows(x, in_features);
    const torch::Tensor w = gemm_rows(weight, in_features);
    const int64_t count = rows.size(0);
    torch::Tensor out = torch::empty({count, out_features}, x.options());
    // The bias is copied into the output first and accumulated onto (beta = 1): one pass less
    // than adding it afterwards, and never a view of the parameter itself.
    out.copy_(bias.expand({count, out_features}));
    dnnl_sgemm_row_major('N', 'T', count, out_features, in_features, rows.data_ptr<float>(),
                         gemm_leading_dim(rows), w.data_ptr<float>(), gemm_leading_dim(w), 1.0f,
                         out.data_ptr<float>(), out_features);
    ctx->save_for_backward({x, weight});
    return out.view(output_sizes(x, out_features));
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& weight = saved[1];
    const int64_t in_features = weight.size(1);
    const int64_t out_features = weight.size(0);
    const torch::Tensor grad = gemm_rows(grad_outputs[0], out_features);
    const int64_t count = grad.size(0);
    const int64_t ld_grad = gemm_leading_dim(grad);
    torch::Tensor grad_x;
    torch::Tensor grad_weight;
    torch::Tensor grad_bias;
    if (ctx->needs_input_grad(0)) {
      const torch::Tensor w = gemm_rows(weight, in_features);
      grad_x = torch::empty({count, in_features}, grad.options());
      dnnl_sgemm_row_major('N', 'N', count, in_features, out_features, grad.data_ptr<float>(), ld_grad,
                           w.data_ptr<float>(), gemm_leading_dim(w), 0.0f, grad_x.data_ptr<float>(),
                           in_features);
      grad_x = grad_x.view(x.sizes());
    }
    if (ctx->needs_input_grad(1)) {
      const torch::Tensor rows = gemm_rows(x, in_features);
      grad_weight = torch::empty({out_features, in_features}, grad.options());
      dnnl_sgemm_row_major('T', 'N', out_features, in_features, count, grad.data_ptr<float>(), ld_grad,
                           rows.data_ptr<float>(), gemm_leading_dim(rows), 0.0f,
                           grad_weight.data_ptr<float>(), in_features);
    }
    if (ctx->needs_input_grad(2)) grad_bias = grad.sum(0);
    return {grad_x, grad_weight, grad_bias};
  }
};

torch::Tensor to_bf16_rows(const torch::Tensor& t, int64_t cols) {
  return t.reshape({-1, cols}).to(torch::kBFloat16).contiguous();
}

// Mixed precision: bfloat16 GEMM operands with float32 accumulation and float32 results. The
// parameters stay float32 (the optimizer's master copy); the bf16 copies of x and W made for the
// forward GEMM are the ones the backward GEMMs reuse (half the memory of saving x in float32).
class Bf16Linear : public torch::autograd::Function<Bf16Linear> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias) {
    const int64_t in_features = weight.size(1);
    const int64_t out_features = weight.size(0);
    const torch::Tensor rows = to_bf16_rows(x, in_features);
    const torch::Tensor w = to_bf16_rows(weight, in_features);
    const int64_t count = rows.size(0);
    torch::Tensor out = torch::empty({count, out_features}, x.options());
    dnnl_matmul_bf16('N', 'T', count, out_features, in_features, rows.data_ptr<c10::BFloat16>(), in_features,
                     w.data_ptr<c10::BFloat16>(), in_features, out.data_ptr<float>(), out_features);
    out.add_(bias);
    ctx->save_for_backward({rows, w});
    ctx->saved_data["x_sizes"] = x.sizes().vec();
    return out.view(output_sizes(x, out_features));
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& rows = saved[0];
    const torch::Tensor& w = saved[1];
    const int64_t count = rows.size(0);
    const int64_t in_features = w.size(1);
    const int64_t out_features = w.size(0);
    const torch::Tensor grad = grad_outputs[0].reshape({-1, out_features});
    const torch::Tensor grad_bf16 = grad.to(torch::kBFloat16).contiguous();
    const auto options = grad.options().dtype(torch::kFloat);
    torch::Tensor grad_x;
    torch::Tensor grad_weight;
    torch::Tensor grad_bias;
    if (ctx->needs_input_grad(0)) {
      grad_x = torch::empty({count, in_features}, options);
      dnnl_matmul_bf16('N', 'N', count, in_features, out_features, grad_bf16.data_ptr<c10::BFloat16>(),
                       out_features, w.data_ptr<c10::BFloat16>(), in_features, grad_x.data_ptr<float>(),
                       in_features);
      grad_x = grad_x.view(ctx->saved_data["x_sizes"].toIntVector());
    }
    if (ctx->needs_input_grad(1)) {
      grad_weight = torch::empty({out_features, in_features}, options);
      dnnl_matmul_bf16('T', 'N', out_features, in_features, count, grad_bf16.data_ptr<c10::BFloat16>(),
                       out_features, rows.data_ptr<c10::BFloat16>(), in_features,
                       grad_weight.data_ptr<float>(), in_features);
    }
    if (ctx->needs_input_grad(2)) grad_bias = grad.sum(0);
    return {grad_x, grad_weight, grad_bias};
  }
};

}  // namespace

bool set_bf16_training_gemms(bool enabled) {
  const bool effective = enabled && cpu_has_native_bf16();
  bf16_gemms.store(effective);
  return effective;
}

bool bf16_training_gemms() { return bf16_gemms.load(); }

bool linear_with_grad_supports(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias) {
  return is_float_cpu(x) && is_float_cpu(weight) && is_float_cpu(bias) && weight.dim() == 2 && x.dim() >= 1 &&
         x.size(-1) == weight.size(1) && x.numel() > 0 && weight.numel() > 0 && bias.dim() == 1 &&
         bias.size(0) == weight.size(0);
}

torch::Tensor linear_with_grad(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias) {
  if (!linear_with_grad_supports(x, weight, bias)) return torch::linear(x, weight, bias);
  if (bf16_gemms.load()) return Bf16Linear::apply(x, weight, bias);
  return DnnlLinear::apply(x, weight, bias);
}

}  // namespace oml
