#pragma once
#include "oml/retrieval/distance_tiles.h"
#include "oml/retrieval/nearest_neighbor_index.h"

namespace oml {

// Exact search by streaming GEMM tiles into bounded per-query top-k lists (never Q×G).
class ExactIndex : public NearestNeighborIndex {
 public:
  explicit ExactIndex(TileOptions tiles = {}) : tiles_(tiles) {}
  void add(const Matrix& galleries) override { galleries_ = &galleries; }
  std::vector<std::vector<Neighbor>> search(const Matrix& queries, int64_t k,
                                            const RetrievalProblem& problem) override;
  std::string describe() const override { return "exact (streaming GEMM tiles)"; }

 private:
  TileOptions tiles_;
  const Matrix* galleries_ = nullptr;  // not owned: the caller keeps the gallery alive
};

}  // namespace oml
