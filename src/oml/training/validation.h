#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/io/npy.h"
#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"
#include "oml/training/training_images.h"

// Per-epoch validation of an extractor: retrieval over the validation split (queries vs
// galleries, spec §10.1 ignore rule) scored with the metrics `oml evaluate` computes (§11).
namespace oml::training {

struct ValidationScores {
  std::optional<double> cmc1;  // null when no query has a correct answer in the gallery
  std::optional<double> cmc5;
  std::optional<double> map5;
  std::optional<double> map10;
  int64_t queries = 0;
  std::vector<std::string> warnings;
};

class RetrievalValidator {
 public:
  // Throws InputError (require_validation_split) when the CSV has nothing to validate on.
  RetrievalValidator(const Dataframe& df, int threads);

  // CSV rows to embed (validation rows that are queries or galleries), in CSV order.
  const std::vector<int64_t>& rows_to_embed() const { return rows_; }
  // `embeddings` holds one row per CSV row; only rows_to_embed() are read.
  ValidationScores score(const Matrix& embeddings) const;
  // The plain kNN lists score() measures, at least `k` long (for postprocessors to re-order).
  RetrievalResults retrieve_lists(const Matrix& embeddings, int64_t k) const;
  // The same metrics on lists a postprocessor produced from retrieve_lists().
  ValidationScores score_lists(const Matrix& embeddings, const RetrievalResults& results) const;
  const RetrievalProblem& problem() const { return problem_; }

 private:
  const Dataframe& df_;
  RetrievalProblem problem_;
  std::vector<int64_t> rows_;
  int threads_;
};

// The raw-pixel baseline: each row's squash(size) normalised pixels flattened to 3*size*size
// values (rows not listed stay zero). Returns a matrix with one row per CSV row.
Matrix raw_pixel_embeddings(DecodedImageCache& cache, const std::vector<int64_t>& rows, int size,
                            int64_t total_rows);

// "0.8123" or "n/a".
std::string format_score(const std::optional<double>& value);

}  // namespace oml::training
