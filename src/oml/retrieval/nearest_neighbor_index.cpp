#include "oml/retrieval/nearest_neighbor_index.h"

#include <cstring>

#include "oml/common/errors.h"
#include "oml/retrieval/exact_index.h"
#include "oml/retrieval/hnsw_index.h"

namespace oml {

std::unique_ptr<NearestNeighborIndex> make_index(const IndexOptions& options) {
  if (options.kind == "exact") {
    TileOptions tiles;
    tiles.threads = options.threads;
    tiles.progress_label = options.show_progress ? "exact kNN" : nullptr;
    return std::make_unique<ExactIndex>(tiles);
  }
  if (options.kind == "hnsw") return std::make_unique<HnswIndex>(options);
  throw InputError("--index: expected 'exact' or 'hnsw' (got '" + options.kind + "')");
}

Matrix gather_rows(const Matrix& m, const std::vector<int64_t>& rows) {
  Matrix out;
  out.rows = static_cast<int64_t>(rows.size());
  out.cols = m.cols;
  out.values.resize(static_cast<size_t>(out.rows * out.cols));
  for (size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(out.row(static_cast<int64_t>(i)), m.row(rows[i]),
                sizeof(float) * static_cast<size_t>(m.cols));
  }
  return out;
}

Matrix take_rows(Matrix&& m, const std::vector<int64_t>& rows) {
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i] <= rows[i - 1]) return gather_rows(m, rows);
  }
  Matrix out = std::move(m);
  const size_t row_bytes = sizeof(float) * static_cast<size_t>(out.cols);
  // rows[i] >= i when ascending, so every source row is read before it is overwritten.
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] != static_cast<int64_t>(i)) {
      std::memmove(out.row(static_cast<int64_t>(i)), out.row(rows[i]), row_bytes);
    }
  }
  out.rows = static_cast<int64_t>(rows.size());
  out.values.resize(static_cast<size_t>(out.rows * out.cols));
  return out;
}

RetrievalResults retrieve(const Matrix& queries, const Matrix& galleries, const RetrievalProblem& problem,
                          int64_t k, const IndexOptions& options) {
  auto index = make_index(options);
  index->add(galleries);
  RetrievalResults results;
  results.query_rows = problem.query_rows;
  results.gallery_rows = problem.gallery_rows;
  results.lists = index->search(queries, k, problem);
  return results;
}

}  // namespace oml
