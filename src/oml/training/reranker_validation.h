#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/data/image_limits.h"
#include "oml/io/npy.h"
#include "oml/retrieval/retrieval_results.h"
#include "oml/training/validation.h"

// Per-epoch validation of a re-ranker on train labels held out from its training: the CSV's own
// validation split stays untouched, so the split a user reports on is never used to pick a
// checkpoint. Each held-out row is a query and a gallery item (1 vs rest), as in OML's datasets.
namespace oml {
class PairwiseModel;
}

namespace oml::training {

// ceil(fraction x L) of the L distinct train labels, drawn with `seed` (sorted). Empty for 0.
// Throws InputError when fraction is outside [0, 1) or leaves fewer than 2 labels on either side.
std::vector<int64_t> choose_holdout_labels(const Dataframe& df, double fraction, uint64_t seed);

// A copy of `df` in which the train rows of `labels` are the only validation rows (queries and
// galleries); the CSV's validation rows are neither, and every other train row stays train.
Dataframe holdout_dataframe(const Dataframe& df, const std::vector<int64_t>& labels);

class RerankerValidator {
 public:
  // `embeddings` (one row per CSV row) give the plain kNN lists, computed once; each list's first
  // top_n items are what the model re-ranks, from images squashed to image_size.
  RerankerValidator(Dataframe holdout, const Matrix& embeddings, int64_t top_n, int image_size, int threads,
                    ImageLimits image_limits = {});
  ~RerankerValidator();

  const ValidationScores& knn_scores() const { return knn_scores_; }
  // Re-ranks copies of the kNN lists with `model` (the caller sets eval mode), once per score
  // fusion weight (see rerank_lists; 0 = OML's rule), and scores them. The model runs once.
  std::vector<ValidationScores> reranked_scores(PairwiseModel& model,
                                                const std::vector<double>& fuse_weights) const;

 private:
  std::unique_ptr<Dataframe> df_;
  std::unique_ptr<RetrievalValidator> validator_;
  const Matrix& embeddings_;
  RetrievalResults knn_lists_;
  ValidationScores knn_scores_;
  int64_t top_n_;
  int image_size_;
  int threads_;
  ImageLimits image_limits_;
};

}  // namespace oml::training
