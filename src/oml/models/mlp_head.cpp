#include "oml/models/mlp_head.h"

#include <torch/torch.h>

#include "oml/common/errors.h"

namespace oml {

namespace {
constexpr double kHeadDropout = 0.5;  // OML passes dropout=0.5 to torchvision's MLP
}

torch::nn::Sequential make_siamese_head(int64_t in_features, const std::vector<int64_t>& hidden_dims) {
  torch::nn::Sequential head;
  int64_t width = in_features;
  for (const int64_t hidden : hidden_dims) {
    if (hidden <= 0) throw InputError("--mlp: hidden sizes must be positive, got " + std::to_string(hidden));
    head->push_back(torch::nn::Linear(torch::nn::LinearOptions(width, hidden).bias(true)));
    head->push_back(torch::nn::Sigmoid());
    head->push_back(torch::nn::Dropout(kHeadDropout));
    width = hidden;
  }
  head->push_back(torch::nn::Linear(torch::nn::LinearOptions(width, 1).bias(false)));
  head->push_back(torch::nn::Identity());
  return head;
}

}  // namespace oml
