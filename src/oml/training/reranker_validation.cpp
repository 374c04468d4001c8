#include "oml/training/reranker_validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "oml/common/errors.h"
#include "oml/data/samplers.h"
#include "oml/postprocessing/pairwise_reranker.h"

namespace oml::training {

std::vector<int64_t> choose_holdout_labels(const Dataframe& df, double fraction, uint64_t seed) {
  if (!(fraction >= 0 && fraction < 1)) {
    throw InputError(fmt::format("--val-fraction must be in [0, 1), got {}", fraction));
  }
  if (fraction == 0) return {};
  std::set<int64_t> distinct;
  for (const auto& row : df.rows) {
    if (row.is_train) distinct.insert(row.label);
  }
  std::vector<int64_t> labels(distinct.begin(), distinct.end());
  const auto held = static_cast<size_t>(std::ceil(fraction * static_cast<double>(labels.size())));
  if (held < 2 || labels.size() - held < 2) {
    throw InputError(
        fmt::format("--val-fraction {} holds out {} of {} train labels; each side needs at least 2", fraction,
                    held, labels.size()));
  }
  // A partial Fisher-Yates draw with the project's portable generator (no std distributions).
  SplitMix64 random(seed ^ 0x5EED0F4E1D0B7A11ULL);
  for (size_t i = 0; i < held; ++i) {
    const size_t j = i + static_cast<size_t>(random.below(labels.size() - i));
    std::swap(labels[i], labels[j]);
  }
  labels.resize(held);
  std::sort(labels.begin(), labels.end());
  return labels;
}

Dataframe holdout_dataframe(const Dataframe& df, const std::vector<int64_t>& labels) {
  Dataframe copy = df;
  for (auto& row : copy.rows) {
    const bool held = row.is_train && std::binary_search(labels.begin(), labels.end(), row.label);
    if (held) {
      row.is_train = false;
      row.is_query = true;
      row.is_gallery = true;
    } else if (!row.is_train) {
      row.is_query = false;
      row.is_gallery = false;
    }
  }
  return copy;
}

RerankerValidator::RerankerValidator(Dataframe holdout, const Matrix& embeddings, int64_t top_n,
                                     int image_size, int threads, ImageLimits image_limits)
    : df_(std::make_unique<Dataframe>(std::move(holdout))),
      validator_(std::make_unique<RetrievalValidator>(*df_, threads)),
      embeddings_(embeddings),
      top_n_(top_n),
      image_size_(image_size),
      threads_(threads),
      image_limits_(std::move(image_limits)) {
  knn_lists_ = validator_->retrieve_lists(embeddings_, top_n_);
  knn_scores_ = validator_->score_lists(embeddings_, knn_lists_);
}

RerankerValidator::~RerankerValidator() = default;

std::vector<ValidationScores> RerankerValidator::reranked_scores(
    PairwiseModel& model, const std::vector<double>& fuse_weights) const {
  PairScoringOptions scoring;
  scoring.image_size = image_size_;
  scoring.threads = threads_;
  scoring.image_limits = image_limits_;
  const auto scores = score_top_blocks(knn_lists_, top_n_, make_image_pair_scorer(model, *df_, scoring));
  std::vector<ValidationScores> out;
  for (const double fuse : fuse_weights) {
    RetrievalResults lists = knn_lists_;
    merge_scored_blocks(lists, top_n_, scores, fuse);
    out.push_back(validator_->score_lists(embeddings_, lists));
  }
  return out;
}

}  // namespace oml::training
