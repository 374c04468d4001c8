#pragma once
#include <torch/torch.h>

namespace oml {

// y = x W^T + b, as torch::linear. Without autograd (inference) on float32 CPU tensors it runs on
// oneDNN's sgemm (libdnnl, which libtorch already loads): oneDNN picks AVX-512 kernels by itself
// where the CPU has them, and measured 1.3-2x the throughput of the OpenBLAS kernels libtorch uses
// on this machine's ViT shapes. With autograd (training) it is linear_with_grad
// (training_linear.h), whose backward GEMMs run on oneDNN too. Other dtypes use torch::linear.
torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

}  // namespace oml
