#include "oml/models/siamese.h"

#include <torch/torch.h>

#include "oml/models/mlp_head.h"
#include "oml/models/vit.h"

namespace oml {

ConcatSiameseImpl::ConcatSiameseImpl(std::shared_ptr<ExtractorModule> extractor,
                                     std::vector<int64_t> mlp_hidden_dims, bool use_tta)
    : mlp_hidden_dims_(std::move(mlp_hidden_dims)), use_tta_(use_tta) {
  // Registration order gives the state-dict order extractor.* then head.*.
  extractor_ = register_module("extractor", std::move(extractor));
  head_ = register_module("head", make_siamese_head(extractor_->feat_dim(), mlp_hidden_dims_));
}

ConcatSiameseImpl::ConcatSiameseImpl(const ViTConfig& config, std::vector<int64_t> mlp_hidden_dims,
                                     bool use_tta)
    : ConcatSiameseImpl(std::make_shared<ViTExtractorImpl>(config, false), std::move(mlp_hidden_dims),
                        use_tta) {}

torch::Tensor ConcatSiameseImpl::forward_stacked(const torch::Tensor& stacked) {
  torch::Tensor features;
  if (train_backbone_) {
    features = extractor_->forward(stacked);
  } else {
    torch::NoGradGuard no_grad;
    features = extractor_->forward(stacked);
  }
  return head_->forward(features).squeeze(-1);
}

torch::Tensor ConcatSiameseImpl::forward_pairs(const torch::Tensor& x1, const torch::Tensor& x2) {
  return forward_stacked(torch::cat({x1, x2}, 2));  // along the height: x1 on top
}

torch::Tensor ConcatSiameseImpl::predict(const torch::Tensor& x1, const torch::Tensor& x2) {
  auto probability = torch::sigmoid(forward_pairs(x1, x2));
  if (!use_tta_) return probability;
  // OML averages after the sigmoid, not the logits.
  return (probability + torch::sigmoid(forward_pairs(x2, x1))) / 2;
}

TrivialDistanceSiamese::TrivialDistanceSiamese(Extractor extractor) : extractor_(std::move(extractor)) {
  if (!extractor_) extractor_ = [](const torch::Tensor& x) { return x.flatten(1); };
}

torch::Tensor TrivialDistanceSiamese::forward_pairs(const torch::Tensor& x1, const torch::Tensor& x2) {
  return (extractor_(x1) - extractor_(x2)).norm(2, 1);
}

torch::Tensor TrivialDistanceSiamese::predict(const torch::Tensor& x1, const torch::Tensor& x2) {
  return forward_pairs(x1, x2);
}

LinearTrivialDistanceSiameseImpl::LinearTrivialDistanceSiameseImpl(int64_t dim, bool identity_init) {
  projection_ =
      register_module("projection", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(false)));
  if (identity_init) {
    torch::NoGradGuard no_grad;
    projection_->weight.copy_(torch::eye(dim));
  }
}

torch::Tensor LinearTrivialDistanceSiameseImpl::forward_pairs(const torch::Tensor& x1,
                                                              const torch::Tensor& x2) {
  return (projection_->forward(x1.flatten(1)) - projection_->forward(x2.flatten(1))).norm(2, 1);
}

torch::Tensor LinearTrivialDistanceSiameseImpl::predict(const torch::Tensor& x1, const torch::Tensor& x2) {
  return forward_pairs(x1, x2);
}

}  // namespace oml
