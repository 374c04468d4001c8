#pragma once
#include <torch/torch.h>

namespace oml {

// Exact (erf) GELU, PyTorch's default, as ViT MLPs use it. Without autograd (inference), a float32
// CPU tensor is transformed in place by a vectorised kernel (relative error ~1e-7): Debian's
// libtorch evaluates erf one element at a time, which was a fifth of a re-ranking forward.
// With autograd (training) it is gelu_exact_with_grad (training_gelu.h): the same kernel out of
// place, and a vectorised backward. Other dtypes or devices fall back to torch::gelu. Without
// autograd it may overwrite x: pass a temporary, such as the output of the layer before.
torch::Tensor gelu_exact(torch::Tensor x);

}  // namespace oml
