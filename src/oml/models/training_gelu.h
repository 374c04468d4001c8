#pragma once
#include <torch/types.h>

namespace oml {

// Exact (erf) GELU with autograd for float32 CPU tensors: the forward and the backward
// (grad_x = grad_y * (Phi(x) + x phi(x))) run on the vectorised kernels of gelu_kernel.h, since
// Debian's libtorch evaluates erf (and its derivative) one element at a time. Other dtypes and
// devices use torch::gelu. x is left unchanged (the backward needs it).
torch::Tensor gelu_exact_with_grad(const torch::Tensor& x);

}  // namespace oml
