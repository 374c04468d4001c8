#include <gtest/gtest.h>

#include "oml/common/errors.h"
#include "oml/training/triplet_miner.h"

namespace oml::training {
namespace {

// Symmetric 5x5 distances of a batch with labels [0, 0, 1, 1, 0].
const std::vector<int64_t> kLabels = {0, 0, 1, 1, 0};
const std::vector<float> kDistances = {
    0.0f, 1.0f, 4.0f, 2.5f, 3.0f,  //
    1.0f, 0.0f, 0.5f, 6.0f, 0.2f,  //
    4.0f, 0.5f, 0.0f, 7.0f, 1.5f,  //
    2.5f, 6.0f, 7.0f, 0.0f, 9.0f,  //
    3.0f, 0.2f, 1.5f, 9.0f, 0.0f,  //
};

TEST(HardTripletMiner, PicksFarthestPositiveAndClosestNegativePerAnchor) {
  const Triplets t = mine_hardest_triplets(kDistances, kLabels);
  // anchor 0: positives {1: 1.0, 4: 3.0} -> 4; negatives {2: 4.0, 3: 2.5} -> 3
  // anchor 1: positives {0: 1.0, 4: 0.2} -> 0; negatives {2: 0.5, 3: 6.0} -> 2
  // anchor 2: positive {3} -> 3; negatives {0: 4.0, 1: 0.5, 4: 1.5} -> 1
  // anchor 3: positive {2} -> 2; negatives {0: 2.5, 1: 6.0, 4: 9.0} -> 0
  // anchor 4: positives {0: 3.0, 1: 0.2} -> 0; negatives {2: 1.5, 3: 9.0} -> 2
  EXPECT_EQ(t.anchors, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(t.positives, (std::vector<int64_t>{4, 0, 3, 2, 0}));
  EXPECT_EQ(t.negatives, (std::vector<int64_t>{3, 2, 1, 0, 2}));
}

TEST(HardTripletMiner, TiesGoToTheLowerIndex) {
  const std::vector<int64_t> labels = {0, 0, 0, 1, 1};
  std::vector<float> distances(25, 2.0f);
  for (int i = 0; i < 5; ++i) distances[i * 5 + i] = 0.0f;
  const Triplets t = mine_hardest_triplets(distances, labels);
  EXPECT_EQ(t.positives, (std::vector<int64_t>{1, 0, 0, 4, 3}));
  EXPECT_EQ(t.negatives, (std::vector<int64_t>{3, 3, 3, 0, 0}));
}

TEST(HardTripletMiner, SkipsAnchorsWithoutPositiveOrNegative) {
  // Label 7 appears once: no positive for it, but it serves as a negative for the others.
  const std::vector<int64_t> labels = {3, 7, 3};
  const std::vector<float> distances = {0, 1, 2, 1, 0, 3, 2, 3, 0};
  const Triplets t = mine_hardest_triplets(distances, labels);
  EXPECT_EQ(t.anchors, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(t.positives, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(t.negatives, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(mine_hardest_triplets({0, 1, 1, 0}, {5, 5}).size(), 0u);  // nobody has a negative
}

TEST(HardTripletMiner, RejectsAMismatchedMatrix) {
  EXPECT_THROW(mine_hardest_triplets({0.0f, 1.0f}, {0, 1}), std::invalid_argument);
}

TEST(AllTripletsMiner, EnumeratesEveryValidTripletInBatchOrder) {
  const Triplets t = all_triplets({0, 0, 1, 1, 1});
  // label 0: 2 anchors x 1 positive x 3 negatives; label 1: 3 anchors x 2 positives x 2 negatives.
  ASSERT_EQ(t.size(), 18u);
  EXPECT_EQ(t.anchors[0], 0);
  EXPECT_EQ(t.positives[0], 1);
  EXPECT_EQ(t.negatives[0], 2);
  EXPECT_EQ(t.anchors[17], 4);
  EXPECT_EQ(t.positives[17], 3);
  EXPECT_EQ(t.negatives[17], 1);
  for (size_t i = 0; i < t.size(); ++i) {
    const std::vector<int64_t> labels = {0, 0, 1, 1, 1};
    EXPECT_NE(t.anchors[i], t.positives[i]);
    EXPECT_EQ(labels[t.anchors[i]], labels[t.positives[i]]);
    EXPECT_NE(labels[t.anchors[i]], labels[t.negatives[i]]);
  }
}

TEST(TripletMinerNames, ParseKnownNamesAndRejectOthers) {
  EXPECT_EQ(parse_triplet_miner("hard"), TripletMinerKind::kHard);
  EXPECT_EQ(parse_triplet_miner("all"), TripletMinerKind::kAll);
  EXPECT_THROW(parse_triplet_miner("semi-hard"), InputError);
}

}  // namespace
}  // namespace oml::training
