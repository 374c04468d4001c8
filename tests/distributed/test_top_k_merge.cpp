#include <gtest/gtest.h>

#include <random>

#include "oml/distributed/top_k_merge.h"
#include "oml/retrieval/top_k.h"

namespace oml::distributed {
namespace {

bool same(const std::vector<Neighbor>& a, const std::vector<Neighbor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].gallery != b[i].gallery || a[i].distance != b[i].distance) return false;
  }
  return true;
}

TEST(TopKMerge, EqualDistancesKeepTheLowerGalleryFirst) {
  // Rank 1 holds galleries 3.., rank 0 galleries 0..2; the tie at 1.0 spans both.
  const std::vector<std::vector<Neighbor>> lists = {{{2, 1.0f}, {0, 2.0f}}, {{3, 0.5f}, {4, 1.0f}}};
  const auto merged = merge_top_k(lists, 3);
  EXPECT_TRUE(same(merged, {{3, 0.5f}, {2, 1.0f}, {4, 1.0f}}));
  // Whatever order the ranks arrive in.
  EXPECT_TRUE(same(merge_top_k({lists[1], lists[0]}, 3), merged));
}

TEST(TopKMerge, MatchesOneTopKOverTheWholeGallery) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> coarse(0, 5);  // few distinct distances: many ties
  for (int trial = 0; trial < 50; ++trial) {
    const int galleries = 1 + trial;
    const int64_t k = 1 + trial % 7;
    std::vector<float> distance(static_cast<size_t>(galleries));
    for (float& d : distance) d = static_cast<float>(coarse(random));
    BoundedTopK whole(k);
    for (int g = 0; g < galleries; ++g) whole.push({g, distance[static_cast<size_t>(g)]});
    for (int world : {2, 3}) {
      std::vector<std::vector<Neighbor>> per_rank;
      for (int r = 0; r < world; ++r) {
        BoundedTopK part(k);
        for (int g = galleries * r / world; g < galleries * (r + 1) / world; ++g)
          part.push({g, distance[static_cast<size_t>(g)]});
        per_rank.push_back(part.take_sorted());
      }
      BoundedTopK copy = whole;
      EXPECT_TRUE(same(merge_top_k(per_rank, k), copy.take_sorted()))
          << "trial " << trial << " world " << world;
    }
  }
}

TEST(TopKMerge, PackRoundTripsAndRejectsInconsistentBuffers) {
  const std::vector<std::vector<Neighbor>> lists = {{{5, 0.25f}, {1, 0.5f}}, {}, {{9, 3.0f}}};
  const PackedLists packed = pack_lists(lists);
  EXPECT_EQ(packed.ids, (std::vector<int64_t>{2, 0, 1, 5, 1, 9}));
  const auto back = unpack_lists(packed, 3);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_TRUE(same(back[0], lists[0]));
  EXPECT_TRUE(back[1].empty());
  EXPECT_TRUE(same(back[2], lists[2]));
  PackedLists short_distances = packed;
  short_distances.distances.pop_back();
  EXPECT_THROW(unpack_lists(short_distances, 3), std::invalid_argument);
  EXPECT_THROW(unpack_lists(packed, 2), std::invalid_argument);
}

}  // namespace
}  // namespace oml::distributed
