#pragma once
#include <torch/nn/modules/container/sequential.h>

#include <cstdint>
#include <vector>

namespace oml {

// ConcatSiamese's head (spec §6.1): torchvision MLP(in, [h_1..h_m, 1], Sigmoid, dropout 0.5) with
// the last Linear rebuilt without bias and the last Dropout replaced by Identity, so the layers sit
// at OML's indices (Linear at 3j) and the keys are head.0.weight, head.0.bias, ..., head.3m.weight.
// Linear layers keep PyTorch's default init, U(-1/sqrt(in), 1/sqrt(in)) for weight and bias.
// Input [B, in] -> output [B, 1].
torch::nn::Sequential make_siamese_head(int64_t in_features, const std::vector<int64_t>& hidden_dims);

}  // namespace oml
