#pragma once
// Which rows each rank owns. Plain arithmetic, no communication.
#include <cstdint>
#include <vector>

namespace oml::distributed {

// Half-open range [begin, end) of row positions.
struct RowRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
  bool operator==(const RowRange& other) const { return begin == other.begin && end == other.end; }
};

// Contiguous, balanced split of n rows: rank r gets [r·n/W, (r+1)·n/W) (sizes differ by at most
// one; ranks beyond n get empty ranges). Concatenating the ranges in rank order gives 0..n-1.
RowRange shard_rows(int64_t n, int world_size, int rank);

// The same split over whole batches of `batch_size` rows (the last batch may be short), so every
// rank runs exactly the batches a one-process run would: batch composition can change the
// arithmetic of a forward pass (or of a GEMM tile), batch boundaries do not move. Used for
// extract's batches and for the gallery's distance tiles.
RowRange shard_batches(int64_t n, int64_t batch_size, int world_size, int rank);

// Consecutive blocks of at most `block` rows covering [0, n).
std::vector<RowRange> blocks_of(int64_t n, int64_t block);

}  // namespace oml::distributed
