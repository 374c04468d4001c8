#pragma once
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>

#include "oml/training/triplet_miner.h"

// Metric-learning losses with OML's semantics (TripletLossWithMiner, ArcFaceLoss).
namespace oml::training {

struct TripletLossOptions {
  double margin = 0.2;
  // OML's margin=None: log(1 + exp(d_ap - d_an)) instead of relu(d_ap - d_an + margin).
  bool soft_margin = false;
  // OML's default (AllTripletsMiner); hard mining from a random init tends to collapse.
  TripletMinerKind miner = TripletMinerKind::kAll;
};

// What one call saw, for progress lines and logs.
struct TripletBatchStats {
  int64_t triplets = 0;
  double active_fraction = 0.0;  // triplets with a non-zero loss (hinge) / all triplets
};

// OML TripletLossWithMiner: the miner picks (anchor, positive, negative) index triplets on the
// detached Euclidean distance matrix of the batch, the features are gathered, d_ap and d_an are
// recomputed with gradients (torch.cdist semantics: the gradient of a zero distance is 0) and the
// per-triplet losses are averaged. A batch without any valid triplet gives a zero loss that still
// depends on the features (so backward() works and changes nothing).
class TripletLossWithMiner {
 public:
  explicit TripletLossWithMiner(TripletLossOptions options) : options_(options) {}
  // features [B, D] float32, labels [B] int64 (any label values).
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& labels,
                        TripletBatchStats* stats = nullptr) const;
  const TripletLossOptions& options() const { return options_; }

 private:
  TripletLossOptions options_;
};

// The per-triplet loss from the two distance vectors (no reduction).
torch::Tensor triplet_losses(const torch::Tensor& positive_distances, const torch::Tensor& negative_distances,
                             const TripletLossOptions& options);

struct ArcFaceOptions {
  double scale = 64.0;  // OML's s
  double margin = 0.5;  // OML's m, additive angular margin in radians
};

// OML ArcFaceLoss(in_features, num_classes, m, s): cosine logits between the L2-normalised
// features and the L2-normalised rows of `weight` [num_classes, in_features] (Xavier-uniform
// initialised); the target class gets cos(theta + m) where theta + m < pi and cos - sin(pi - m) * m
// otherwise; logits times s go through cross-entropy (mean). The module's only parameter is
// `weight`, saved in checkpoints as `criterion.weight` (OML drops it when loading an extractor).
class ArcFaceLossImpl : public torch::nn::Module {
 public:
  ArcFaceLossImpl(int64_t in_features, int64_t num_classes, ArcFaceOptions options = {});
  // labels are class indices in [0, num_classes).
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& labels);
  // The scaled logits before cross-entropy [B, num_classes] (exposed for tests and diagnostics).
  torch::Tensor logits(const torch::Tensor& features, const torch::Tensor& labels);
  // Cosines between normalised features and normalised class weights [B, num_classes].
  torch::Tensor cosines(const torch::Tensor& features);

  torch::Tensor& weight() { return weight_; }
  const ArcFaceOptions& options() const { return options_; }

 private:
  ArcFaceOptions options_;
  int64_t num_classes_;
  torch::Tensor weight_;
};
TORCH_MODULE(ArcFaceLoss);

}  // namespace oml::training
