#include "oml/distributed/sharding.h"

#include <algorithm>
#include <stdexcept>

namespace oml::distributed {
namespace {

void check_world(int world_size, int rank) {
  if (world_size < 1 || rank < 0 || rank >= world_size) {
    throw std::invalid_argument("sharding: rank " + std::to_string(rank) + " outside world of size " +
                                std::to_string(world_size));
  }
}

}  // namespace

RowRange shard_rows(int64_t n, int world_size, int rank) {
  check_world(world_size, rank);
  if (n < 0) throw std::invalid_argument("shard_rows: negative row count");
  // 128-bit free: n · rank fits int64 for any n < 2^63 / 2^31.
  return {n * rank / world_size, n * (rank + 1) / world_size};
}

RowRange shard_batches(int64_t n, int64_t batch_size, int world_size, int rank) {
  if (batch_size < 1) throw std::invalid_argument("shard_batches: batch size must be >= 1");
  const int64_t batches = (n + batch_size - 1) / batch_size;
  const RowRange own = shard_rows(batches, world_size, rank);
  return {std::min(n, own.begin * batch_size), std::min(n, own.end * batch_size)};
}

std::vector<RowRange> blocks_of(int64_t n, int64_t block) {
  if (block < 1) throw std::invalid_argument("blocks_of: block must be >= 1");
  std::vector<RowRange> out;
  for (int64_t begin = 0; begin < n; begin += block) out.push_back({begin, std::min(n, begin + block)});
  return out;
}

}  // namespace oml::distributed
