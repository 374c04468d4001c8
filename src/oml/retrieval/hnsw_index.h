#pragma once
#include <memory>

#include "oml/retrieval/nearest_neighbor_index.h"

namespace oml {

// Approximate search with hnswlib's HNSW graph (L2). Ignored galleries are removed by
// over-fetching exactly the query's number of ignored items and filtering them out.
class HnswIndex : public NearestNeighborIndex {
 public:
  explicit HnswIndex(const IndexOptions& options);
  ~HnswIndex() override;
  void add(const Matrix& galleries) override;
  std::vector<std::vector<Neighbor>> search(const Matrix& queries, int64_t k,
                                            const RetrievalProblem& problem) override;
  std::string describe() const override;

 private:
  struct Graph;
  IndexOptions options_;
  std::unique_ptr<Graph> graph_;
  int64_t size_ = 0;
};

}  // namespace oml
