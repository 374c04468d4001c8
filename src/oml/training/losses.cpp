#include "oml/training/losses.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace oml::training {
namespace {

// OML's elementwise_dist: torch.cdist on [B,1,D] pairs, so each distance is computed directly
// (not through the matrix-product shortcut) and a zero distance back-propagates 0, not NaN.
torch::Tensor elementwise_distances(const torch::Tensor& x1, const torch::Tensor& x2) {
  return torch::cdist(x1.unsqueeze(1), x2.unsqueeze(1)).view({x1.size(0)});
}

std::vector<int64_t> labels_to_vector(const torch::Tensor& labels) {
  const auto cpu = labels.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t* data = cpu.data_ptr<int64_t>();
  return std::vector<int64_t>(data, data + cpu.numel());
}

Triplets mine(const torch::Tensor& features, const std::vector<int64_t>& labels, TripletMinerKind kind) {
  if (kind == TripletMinerKind::kAll) return all_triplets(labels);
  torch::NoGradGuard no_grad;
  const auto detached = features.detach().to(torch::kFloat);
  const auto distances = torch::cdist(detached, detached).contiguous().cpu();
  const float* data = distances.data_ptr<float>();
  return mine_hardest_triplets(std::vector<float>(data, data + distances.numel()), labels);
}

torch::Tensor index_tensor(const std::vector<int64_t>& indices, const torch::Device& device) {
  return torch::tensor(indices, torch::kLong).to(device);
}

}  // namespace

torch::Tensor triplet_losses(const torch::Tensor& positive_distances, const torch::Tensor& negative_distances,
                             const TripletLossOptions& options) {
  const auto difference = positive_distances - negative_distances;
  if (options.soft_margin) return torch::log1p(torch::exp(difference));
  return torch::relu(difference + options.margin);
}

torch::Tensor TripletLossWithMiner::forward(const torch::Tensor& features, const torch::Tensor& labels,
                                            TripletBatchStats* stats) const {
  if (features.dim() != 2 || labels.dim() != 1 || features.size(0) != labels.size(0)) {
    throw std::invalid_argument("TripletLossWithMiner: expected features [B, D] and labels [B]");
  }
  const Triplets triplets = mine(features, labels_to_vector(labels), options_.miner);
  if (stats) *stats = {static_cast<int64_t>(triplets.size()), 0.0};
  if (triplets.size() == 0) return (features * 0.0).sum();
  const auto device = features.device();
  const auto anchors = features.index_select(0, index_tensor(triplets.anchors, device));
  const auto positives = features.index_select(0, index_tensor(triplets.positives, device));
  const auto negatives = features.index_select(0, index_tensor(triplets.negatives, device));
  const auto losses = triplet_losses(elementwise_distances(anchors, positives),
                                     elementwise_distances(anchors, negatives), options_);
  if (stats) stats->active_fraction = (losses.detach() > 0).to(torch::kDouble).mean().item<double>();
  return losses.mean();
}

ArcFaceLossImpl::ArcFaceLossImpl(int64_t in_features, int64_t num_classes, ArcFaceOptions options)
    : options_(options), num_classes_(num_classes) {
  if (in_features <= 0 || num_classes <= 0) throw std::invalid_argument("ArcFaceLoss: empty shape");
  weight_ = register_parameter("weight", torch::empty({num_classes, in_features}));
  torch::nn::init::xavier_uniform_(weight_);
}

torch::Tensor ArcFaceLossImpl::cosines(const torch::Tensor& features) {
  namespace F = torch::nn::functional;
  const auto unit = F::normalize(features, F::NormalizeFuncOptions().p(2).dim(1));
  const auto unit_weight = F::normalize(weight_, F::NormalizeFuncOptions().p(2).dim(1));
  return F::linear(unit, unit_weight);
}

torch::Tensor ArcFaceLossImpl::logits(const torch::Tensor& features, const torch::Tensor& labels) {
  const double cos_m = std::cos(options_.margin);
  const double sin_m = std::sin(options_.margin);
  const double threshold = std::cos(M_PI - options_.margin);  // theta + m < pi  <=>  cos > threshold
  const double linear_penalty = std::sin(M_PI - options_.margin) * options_.margin;
  const auto cos = cosines(features);
  // Ours: clamp 1 - cos^2 into [1e-12, 1]: rounding can push cos^2 past 1, and sqrt(0) has an
  // infinite derivative; OML takes the plain sqrt (NaN in both cases).
  const auto sin = torch::sqrt((1.0 - cos * cos).clamp(1e-12, 1.0));
  auto with_margin = cos * cos_m - sin * sin_m;
  with_margin = torch::where(cos > threshold, with_margin, cos - linear_penalty);
  const auto one_hot = torch::one_hot(labels.to(torch::kLong), num_classes_).to(torch::kBool);
  return torch::where(one_hot, with_margin, cos) * options_.scale;
}

torch::Tensor ArcFaceLossImpl::forward(const torch::Tensor& features, const torch::Tensor& labels) {
  return torch::nn::functional::cross_entropy(logits(features, labels), labels.to(torch::kLong));
}

}  // namespace oml::training
