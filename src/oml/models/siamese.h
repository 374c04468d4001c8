#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <functional>
#include <vector>

#include "oml/models/extractor_module.h"
#include "oml/models/vit_config.h"

// Pairwise models (spec §6): given two batches of inputs, a score per pair where lower means
// "more alike" (a distance), used by the re-ranker and trained by train-reranker.
namespace oml {

class PairwiseModel {
 public:
  virtual ~PairwiseModel() = default;
  // Raw output per pair, [B] (ConcatSiamese: the logit of "the pair is negative").
  virtual torch::Tensor forward_pairs(const torch::Tensor& x1, const torch::Tensor& x2) = 0;
  // The score used as a distance, [B] (ConcatSiamese: sigmoid of the logit).
  virtual torch::Tensor predict(const torch::Tensor& x1, const torch::Tensor& x2) = 0;
};

// OML's ConcatSiamese over any extractor (a DINO ViT or a ResNet): the images are stacked along the
// height (x1 on top), the extractor embeds the 2H x W image, the head gives the logit of "negative
// pair". Parameter names are OML's state-dict keys: extractor.model.<backbone keys>,
// head.<3j>.weight/bias.
class ConcatSiameseImpl : public torch::nn::Module, public PairwiseModel {
 public:
  // `extractor` should not normalise its features (OML's pipeline builds it with normalise False).
  ConcatSiameseImpl(std::shared_ptr<ExtractorModule> extractor, std::vector<int64_t> mlp_hidden_dims,
                    bool use_tta = false);
  // Over a ViTExtractor of this shape.
  ConcatSiameseImpl(const ViTConfig& config, std::vector<int64_t> mlp_hidden_dims, bool use_tta = false);

  torch::Tensor forward_pairs(const torch::Tensor& x1, const torch::Tensor& x2) override;
  // sigmoid(logit); with TTA the mean of both orders' sigmoids.
  torch::Tensor predict(const torch::Tensor& x1, const torch::Tensor& x2) override;
  // Logits for images already stacked, [B, 3, 2H, W] -> [B].
  torch::Tensor forward_stacked(const torch::Tensor& stacked);

  // freeze(): the backbone runs without gradients (train_backbone=False); the head still trains.
  void freeze() { train_backbone_ = false; }
  void unfreeze() { train_backbone_ = true; }
  bool backbone_trains() const { return train_backbone_; }
  bool use_tta() const { return use_tta_; }
  void set_use_tta(bool use_tta) { use_tta_ = use_tta; }

  const std::shared_ptr<ExtractorModule>& extractor() const { return extractor_; }
  torch::nn::Sequential& head() { return head_; }
  const std::vector<int64_t>& mlp_hidden_dims() const { return mlp_hidden_dims_; }
  std::string arch() const { return extractor_->arch(); }

 private:
  std::vector<int64_t> mlp_hidden_dims_;
  bool use_tta_;
  bool train_backbone_ = true;
  std::shared_ptr<ExtractorModule> extractor_;
  torch::nn::Sequential head_{nullptr};
};
TORCH_MODULE(ConcatSiamese);

// ||e(x1) - e(x2)||_2 per row; forward = predict (spec §6.2). `extractor` maps a batch to
// [B, D] features; the default flattens each item.
class TrivialDistanceSiamese : public PairwiseModel {
 public:
  using Extractor = std::function<torch::Tensor(const torch::Tensor&)>;
  explicit TrivialDistanceSiamese(Extractor extractor = nullptr);
  torch::Tensor forward_pairs(const torch::Tensor& x1, const torch::Tensor& x2) override;
  torch::Tensor predict(const torch::Tensor& x1, const torch::Tensor& x2) override;

 private:
  Extractor extractor_;
};

// ||P x1 - P x2||_2 with P = Linear(D, D, bias=False) named "projection"; identity_init makes it
// the plain L2 distance (spec §6.2).
class LinearTrivialDistanceSiameseImpl : public torch::nn::Module, public PairwiseModel {
 public:
  LinearTrivialDistanceSiameseImpl(int64_t dim, bool identity_init);
  torch::Tensor forward_pairs(const torch::Tensor& x1, const torch::Tensor& x2) override;
  torch::Tensor predict(const torch::Tensor& x1, const torch::Tensor& x2) override;

 private:
  torch::nn::Linear projection_{nullptr};
};
TORCH_MODULE(LinearTrivialDistanceSiamese);

}  // namespace oml
