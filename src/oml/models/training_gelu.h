#pragma once
#include <torch/types.h>

namespace oml {

// Exact (erf) GELU with autograd for float32 CPU tensors: the forward computes gelu and its
// derivative Phi(x) + x phi(x) in one vectorised pass (gelu_kernel.h, one exp per element) and
// saves the derivative instead of x, so the backward is one multiplication. Measured 1.7x faster
// than torch::gelu's forward + backward on this machine (one thread, 544 x 768). Other dtypes and
// devices use torch::gelu. x is left unchanged.
torch::Tensor gelu_exact_with_grad(const torch::Tensor& x);

}  // namespace oml
