#pragma once
#include <cstdint>
#include <vector>

#include "oml/io/npy.h"

// Training pairs that look like inference (`train-reranker --pairs knn`): every training row is a
// query, and its top-n nearest other training rows by the first stage's embeddings are its
// candidates, so the re-ranker learns on the positive/hard-negative mix it meets when it re-ranks.
namespace oml {

// neighbours[i] = positions in `rows` of the top_n rows nearest to rows[i] (Euclidean distance on
// `embeddings`, one row per CSV row; ties go to the lower position), never i itself.
std::vector<std::vector<int64_t>> nearest_other_rows(const Matrix& embeddings, const std::vector<int64_t>& rows,
                                                     int64_t top_n, int threads);

}  // namespace oml
