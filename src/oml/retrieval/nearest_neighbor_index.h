#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "oml/io/npy.h"
#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml {

// A searchable gallery, in the spirit of FAISS's Index: add the gallery vectors once, then search
// queries for their k nearest non-ignored galleries (ignore rule of spec §10.1).
class NearestNeighborIndex {
 public:
  virtual ~NearestNeighborIndex() = default;
  // Galleries get indices 0..n-1 in the order given. May be called once.
  virtual void add(const Matrix& galleries) = 0;
  // lists[q] = the k closest galleries g with !problem.is_ignored(q, g), sorted by
  // (distance, gallery index); distances are Euclidean.
  virtual std::vector<std::vector<Neighbor>> search(const Matrix& queries, int64_t k,
                                                    const RetrievalProblem& problem) = 0;
  virtual std::string describe() const = 0;
};

struct IndexOptions {
  std::string kind = "exact";  // exact | hnsw
  int threads = 0;             // 0 = all cores
  bool show_progress = false;
  // HNSW only (hnswlib's parameters).
  int64_t hnsw_m = 16;
  int64_t hnsw_ef_construction = 200;
  int64_t hnsw_ef_search = 100;
  uint64_t hnsw_seed = 100;
};

// Throws InputError for an unknown kind or invalid HNSW parameters.
std::unique_ptr<NearestNeighborIndex> make_index(const IndexOptions& options);

// Runs the index over the problem's gathered query and gallery embeddings and packs the results.
RetrievalResults retrieve(const Matrix& queries, const Matrix& galleries, const RetrievalProblem& problem,
                          int64_t k, const IndexOptions& options);

// Rows `rows` of `m` as a new matrix.
Matrix gather_rows(const Matrix& m, const std::vector<int64_t>& rows);

// gather_rows for a matrix that is not needed afterwards: ascending rows are compacted within m's
// own buffer (no second copy of a gallery of millions), any other order falls back to a copy.
Matrix take_rows(Matrix&& m, const std::vector<int64_t>& rows);

}  // namespace oml
