#pragma once
#include <torch/types.h>

namespace oml {

// y = x W^T + b with autograd, as torch::linear, for float32 CPU tensors and a defined bias: the
// forward GEMM and both backward GEMMs (grad_x = grad_y W, grad_W = grad_y^T x) run on oneDNN's
// sgemm, which picks AVX-512 kernels where the CPU has them, while libtorch's OpenBLAS is pinned
// to AVX2 ("Haswell") kernels on the development machine; grad_b is the column sum of grad_y.
// Strided inputs and weight row slices (views) are used in place. Gradients reach x, W and b
// through their own autograd history (a weight slice sends its gradient to the full parameter).
torch::Tensor linear_with_grad(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias);

// Whether linear_with_grad takes these operands: float32 CPU tensors, weight [out, in] with
// x's last dimension = in, a defined bias of out elements, at least one row.
bool linear_with_grad_supports(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias);

// Mixed precision for training (`--precision bf16`), process-wide, off by default: linear_with_grad
// then multiplies bfloat16 copies of x, W and grad_y with float32 accumulation (oneDNN matmul)
// while parameters, gradients, LayerNorm, softmax, GELU and residuals stay float32. Only honoured
// where the CPU multiplies bf16 natively (AVX512-BF16/AMX); returns whether it is now on.
bool set_bf16_training_gemms(bool enabled);
bool bf16_training_gemms();

}  // namespace oml
