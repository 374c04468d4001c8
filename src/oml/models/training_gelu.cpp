#include "oml/models/training_gelu.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include "oml/models/gelu_kernel.h"

namespace oml {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Elements per task: large enough that the thread hand-off stays small next to the erf work.
constexpr int64_t kGrain = 1 << 15;

// The forward computes the derivative along with the output and saves it instead of x (same
// memory), so the backward is one multiplication.
class ExactGelu : public torch::autograd::Function<ExactGelu> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x) {
    const torch::Tensor input = x.contiguous();
    torch::Tensor out = torch::empty_like(input);
    torch::Tensor derivative = torch::empty_like(input);
    const float* in_data = input.data_ptr<float>();
    float* out_data = out.data_ptr<float>();
    float* derivative_data = derivative.data_ptr<float>();
    at::parallel_for(0, input.numel(), kGrain, [&](int64_t begin, int64_t end) {
      gelu_exact_with_derivative_kernel(in_data + begin, out_data + begin, derivative_data + begin,
                                        end - begin);
    });
    ctx->save_for_backward({derivative});
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    return {grad_outputs[0] * ctx->get_saved_variables()[0]};
  }
};

}  // namespace

torch::Tensor gelu_exact_with_grad(const torch::Tensor& x) {
  if (x.scalar_type() != torch::kFloat || !x.device().is_cpu()) return torch::gelu(x);
  return ExactGelu::apply(x);
}

}  // namespace oml
