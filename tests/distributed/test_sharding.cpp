#include <gtest/gtest.h>

#include "oml/distributed/sharding.h"

namespace oml::distributed {
namespace {

TEST(Sharding, RowsCoverEverythingOnceInRankOrder) {
  for (int64_t n : {0, 1, 2, 7, 100, 101}) {
    for (int world : {1, 2, 3, 8}) {
      int64_t next = 0;
      for (int rank = 0; rank < world; ++rank) {
        const RowRange own = shard_rows(n, world, rank);
        EXPECT_EQ(own.begin, next) << n << " rows, rank " << rank << "/" << world;
        EXPECT_LE(own.size(), n / world + 1);
        EXPECT_GE(own.size(), n / world);
        next = own.end;
      }
      EXPECT_EQ(next, n);
    }
  }
}

TEST(Sharding, BatchesKeepOneProcessBatchBoundaries) {
  // 7 rows in batches of 2: batches {0,1} {2,3} {4,5} {6}; two ranks get two batches each.
  EXPECT_EQ(shard_batches(7, 2, 2, 0), (RowRange{0, 4}));
  EXPECT_EQ(shard_batches(7, 2, 2, 1), (RowRange{4, 7}));
  for (int64_t n : {0, 1, 5, 33, 64, 65}) {
    for (int world : {1, 2, 3, 5}) {
      int64_t next = 0;
      for (int rank = 0; rank < world; ++rank) {
        const RowRange own = shard_batches(n, 32, world, rank);
        EXPECT_EQ(own.begin, next);
        EXPECT_EQ(own.begin % 32, 0);
        EXPECT_TRUE(own.end == n || own.end % 32 == 0);
        next = own.end;
      }
      EXPECT_EQ(next, n);
    }
  }
}

TEST(Sharding, BlocksAreBoundedAndContiguous) {
  const auto blocks = blocks_of(10, 4);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0], (RowRange{0, 4}));
  EXPECT_EQ(blocks[2], (RowRange{8, 10}));
  EXPECT_TRUE(blocks_of(0, 4).empty());
}

TEST(Sharding, RejectsImpossibleWorlds) {
  EXPECT_THROW(shard_rows(10, 2, 2), std::invalid_argument);
  EXPECT_THROW(shard_rows(10, 0, 0), std::invalid_argument);
  EXPECT_THROW(shard_batches(10, 0, 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace oml::distributed
