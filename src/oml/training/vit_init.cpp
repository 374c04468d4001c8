#include "oml/training/vit_init.h"

#include <torch/torch.h>

#include <cmath>

namespace oml::training {
namespace {

double normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }

constexpr double kInitStd = 0.02;

}  // namespace

void truncated_normal_(torch::Tensor& tensor, double mean, double std, double low, double high) {
  torch::NoGradGuard no_grad;
  const double lower = normal_cdf((low - mean) / std);
  const double upper = normal_cdf((high - mean) / std);
  tensor.uniform_(2.0 * lower - 1.0, 2.0 * upper - 1.0);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0));
  tensor.add_(mean);
  tensor.clamp_(low, high);
}

void init_dino_weights(VisionTransformerImpl& vit) {
  torch::NoGradGuard no_grad;
  for (auto& named : vit.named_parameters(/*recurse=*/false)) {
    truncated_normal_(named.value(), 0.0, kInitStd, -2.0, 2.0);  // cls_token, pos_embed
  }
  for (const auto& module : vit.modules(/*include_self=*/false)) {
    if (auto* linear = module->as<torch::nn::Linear>()) {
      truncated_normal_(linear->weight, 0.0, kInitStd, -2.0, 2.0);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* norm = module->as<torch::nn::LayerNorm>()) {
      norm->weight.fill_(1.0);
      norm->bias.zero_();
    }
  }
}

}  // namespace oml::training
