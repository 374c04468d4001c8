#pragma once
#include <torch/types.h>

namespace oml {

// alpha * a @ b for a [..., M, K] and b [..., K, N] with the same leading (batch) dimensions, as
// torch::matmul(a, b) * alpha, with autograd. For float32 CPU tensors every matrix product runs
// on oneDNN's sgemm, batches spread over libtorch's threads, and operands are read in place when
// one of their last two strides is 1 (the permuted q/k/v heads of attention, k transposed): this
// libtorch's bmm makes the ViT's many small attention products cost several ATen ops each.
// Other dtypes, devices or shapes (broadcast batches) use torch::matmul.
torch::Tensor batched_matmul(const torch::Tensor& a, const torch::Tensor& b, double alpha = 1.0);

}  // namespace oml
