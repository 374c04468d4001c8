#pragma once
#include <cmath>
#include <cstdint>
#include <functional>

#include "oml/io/npy.h"

namespace oml {

// One block of Euclidean distances: rows = queries [q_begin, q_end), columns = galleries
// [g_begin, g_end), row-major with row stride `stride`. Valid only during the visitor call.
struct DistanceTile {
  int64_t q_begin = 0;
  int64_t q_end = 0;
  int64_t g_begin = 0;
  int64_t g_end = 0;
  int64_t stride = 0;
  const float* values = nullptr;
  int worker = 0;  // 0 <= worker < threads: index for per-worker accumulators
  // With TileOptions::raw_products the values are −2 q·g; the distance is then
  // distance_from_raw(query_norms[q - q_begin], gallery_norms[g - g_begin], value).
  const float* query_norms = nullptr;
  const float* gallery_norms = nullptr;

  const float* row(int64_t q) const { return values + (q - q_begin) * stride; }
};

struct TileOptions {
  int64_t query_block = 256;
  int64_t gallery_block = 2048;
  int threads = 0;                       // 0 = all cores
  const char* progress_label = nullptr;  // shows a progress bar over queries when set
  // Skip the norms/clamp/sqrt pass: visitors that look at few values (top-k) finish only those.
  bool raw_products = false;
  // Use query_block as given instead of shrinking it to spread a small query set over every
  // worker: callers that stream a query set in pieces (distributed/) reproduce the tiles, and so
  // the SGEMM results, of one call over the whole set.
  bool fixed_query_block = false;
};

// The one formula every path uses, so all report bit-identical distances.
inline float squared_from_raw(float query_norm, float gallery_norm, float raw) {
  return (query_norm + gallery_norm) + raw;
}
inline float distance_from_squared(float squared) { return std::sqrt(squared > 0.0f ? squared : 0.0f); }

using TileVisitor = std::function<void(const DistanceTile&)>;

// Number of workers for_each_distance_tile will use for `threads` (0 = all cores).
int resolve_threads(int threads);

// Rows per query tile that for_each_distance_tile uses for `num_queries` queries. A tile's
// distances are bit-for-bit those of the same SGEMM call, so equal tiles mean equal floats;
// different tile shapes may differ in the last bit (OpenBLAS's kernels depend on the shape).
int64_t effective_query_block(int64_t num_queries, const TileOptions& options);

// Streams every query × gallery distance through `visit` without building the Q×G matrix:
// d = sqrt(max(|q|² + |g|² − 2 q·g, 0)) in float32, one SGEMM per tile (spec §12, the form
// torch.cdist uses). Query blocks run in parallel; each query block is owned by one worker and
// sees its gallery blocks in increasing order, so a visitor may keep per-query state unlocked.
// Memory: the inputs plus threads × query_block × gallery_block floats.
void for_each_distance_tile(const Matrix& queries, const Matrix& galleries, const TileVisitor& visit,
                            const TileOptions& options = {});

// Anything that streams a full query × gallery distance table tile by tile with the guarantees
// above: plain Euclidean distances, or the final distances after postprocessing (fnmr@fmr).
using DistanceTileSource = std::function<void(const TileVisitor&, const TileOptions&)>;

// Squared norms of every row, float32 accumulation in index order.
std::vector<float> squared_row_norms(const Matrix& m);

}  // namespace oml
