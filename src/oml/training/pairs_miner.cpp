#include "oml/training/pairs_miner.h"

#include <cmath>
#include <set>
#include <stdexcept>
#include <utility>

namespace oml {
namespace {

using PairSet = std::set<std::pair<int64_t, int64_t>>;

std::pair<int64_t, int64_t> ordered(int64_t a, int64_t b) { return {std::min(a, b), std::max(a, b)}; }

std::vector<MinedPair> emit(const PairSet& positives, const PairSet& negatives) {
  std::vector<MinedPair> pairs;
  pairs.reserve(positives.size() + negatives.size());
  for (const auto& [a, b] : positives) pairs.push_back({a, b, false});
  for (const auto& [a, b] : negatives) pairs.push_back({a, b, true});
  return pairs;
}

std::vector<MinedPair> mine_hard(const std::vector<float>& distances, const std::vector<int64_t>& labels) {
  const auto batch = static_cast<int64_t>(labels.size());
  PairSet positives;
  PairSet negatives;
  for (int64_t i = 0; i < batch; ++i) {
    const float* row = distances.data() + i * batch;
    int64_t hardest_positive = -1;
    int64_t hardest_negative = -1;
    // Scanning upwards with strict comparisons keeps the lower position on ties.
    for (int64_t j = 0; j < batch; ++j) {
      if (labels[j] == labels[i]) {
        if (j != i && (hardest_positive < 0 || row[j] > row[hardest_positive])) hardest_positive = j;
      } else if (hardest_negative < 0 || row[j] < row[hardest_negative]) {
        hardest_negative = j;
      }
    }
    if (hardest_positive >= 0) positives.insert(ordered(i, hardest_positive));
    if (hardest_negative >= 0) negatives.insert(ordered(i, hardest_negative));
  }
  return emit(positives, negatives);
}

std::vector<MinedPair> mine_all(const std::vector<int64_t>& labels) {
  const auto batch = static_cast<int64_t>(labels.size());
  // All triplets (a, p, n) deduplicated into pairs: a negative pair needs one end that is the
  // anchor of some triplet, i.e. an item with a positive in the batch.
  std::vector<bool> has_positive(static_cast<size_t>(batch), false);
  PairSet positives;
  for (int64_t i = 0; i < batch; ++i) {
    for (int64_t j = i + 1; j < batch; ++j) {
      if (labels[i] == labels[j]) {
        positives.insert({i, j});
        has_positive[i] = has_positive[j] = true;
      }
    }
  }
  PairSet negatives;
  for (int64_t i = 0; i < batch; ++i) {
    for (int64_t j = i + 1; j < batch; ++j) {
      if (labels[i] != labels[j] && (has_positive[i] || has_positive[j])) negatives.insert({i, j});
    }
  }
  return emit(positives, negatives);
}

}  // namespace

std::vector<MinedPair> mine_pairs_from_distances(const std::vector<float>& distances,
                                                 const std::vector<int64_t>& labels, MiningMode mode) {
  if (distances.size() != labels.size() * labels.size()) {
    throw std::invalid_argument("mine_pairs_from_distances: distances must be B x B");
  }
  return mode == MiningMode::kHard ? mine_hard(distances, labels) : mine_all(labels);
}

std::vector<float> pairwise_euclidean(const std::vector<float>& embeddings, int64_t dim) {
  const auto batch = static_cast<int64_t>(embeddings.size()) / dim;
  std::vector<float> distances(static_cast<size_t>(batch * batch), 0.0f);
  for (int64_t i = 0; i < batch; ++i) {
    for (int64_t j = i + 1; j < batch; ++j) {
      float sum = 0.0f;
      for (int64_t d = 0; d < dim; ++d) {
        const float diff = embeddings[i * dim + d] - embeddings[j * dim + d];
        sum += diff * diff;
      }
      distances[i * batch + j] = distances[j * batch + i] = std::sqrt(sum);
    }
  }
  return distances;
}

std::vector<MinedPair> mine_pairs(const std::vector<float>& embeddings, int64_t dim,
                                  const std::vector<int64_t>& labels, MiningMode mode) {
  if (dim <= 0 || embeddings.size() != labels.size() * static_cast<size_t>(dim)) {
    throw std::invalid_argument("mine_pairs: embeddings must be [B, dim] with B = labels.size()");
  }
  return mine_pairs_from_distances(pairwise_euclidean(embeddings, dim), labels, mode);
}

}  // namespace oml
