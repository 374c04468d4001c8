#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <tuple>

#include "oml/data/samplers.h"
#include "oml/training/pairs_miner.h"

namespace oml {
namespace {

using PairKey = std::tuple<int64_t, int64_t>;

std::set<PairKey> group(const std::vector<MinedPair>& pairs, bool negative) {
  std::set<PairKey> out;
  for (const auto& p : pairs) {
    if (p.is_negative == negative) out.insert({p.first, p.second});
  }
  return out;
}

void expect_positives_first_and_sorted(const std::vector<MinedPair>& pairs) {
  for (size_t i = 1; i < pairs.size(); ++i) {
    const auto& a = pairs[i - 1];
    const auto& b = pairs[i];
    EXPECT_LE(a.is_negative, b.is_negative);
    if (a.is_negative == b.is_negative) {
      EXPECT_LT(PairKey(a.first, a.second), PairKey(b.first, b.second));
    }
    EXPECT_LT(b.first, b.second);
  }
}

TEST(PairsMiner, GoldenFromDistanceMatrix) {
  const std::vector<float> dist = {0, .3f, .2f, .4f, .3f, 0, .4f, .8f, .2f, .4f, 0, .5f, .4f, .8f, .5f, 0};
  const auto pairs = mine_pairs_from_distances(dist, {0, 0, 1, 1}, MiningMode::kHard);
  EXPECT_EQ(group(pairs, false), (std::set<PairKey>{{0, 1}, {2, 3}}));
  EXPECT_EQ(group(pairs, true), (std::set<PairKey>{{0, 2}, {1, 2}, {0, 3}}));
  expect_positives_first_and_sorted(pairs);
  // Ours: lexicographic order within each group, positives first.
  const std::vector<MinedPair> expected = {
      {0, 1, false}, {2, 3, false}, {0, 2, true}, {0, 3, true}, {1, 2, true}};
  EXPECT_EQ(pairs, expected);
}

TEST(PairsMiner, GoldenOneDimensionalHardWithTie) {
  const std::vector<float> features = {0, 1, 0.4f, 3, 2, 2.5f};
  const std::vector<int64_t> labels = {0, 0, 1, 1, 2, 2};
  const auto pairs = mine_pairs(features, 1, labels, MiningMode::kHard);
  EXPECT_EQ(group(pairs, false), (std::set<PairKey>{{0, 1}, {2, 3}, {4, 5}}));
  // Anchor 4 ties at 1.0 between positions 1 and 3; the lower position wins.
  EXPECT_EQ(group(pairs, true), (std::set<PairKey>{{0, 2}, {1, 2}, {3, 5}, {1, 4}}));
  expect_positives_first_and_sorted(pairs);
}

TEST(PairsMiner, GoldenOneDimensionalAll) {
  const std::vector<float> features = {0, 1, 0.4f, 3, 2, 2.5f};
  const auto pairs = mine_pairs(features, 1, {0, 0, 1, 1, 2, 2}, MiningMode::kAll);
  EXPECT_EQ(group(pairs, false), (std::set<PairKey>{{0, 1}, {2, 3}, {4, 5}}));
  const auto negatives = group(pairs, true);
  EXPECT_EQ(negatives.size(), 12u);
  for (const auto& [a, b] : negatives) EXPECT_NE(a / 2, b / 2);
  expect_positives_first_and_sorted(pairs);
}

TEST(PairsMiner, GoldenTwoDimensional) {
  const std::vector<float> features = {0, 0, 1, 0, 0, 2, .5f, .5f};
  const std::vector<int64_t> labels = {7, 7, 3, 3};
  const auto hard = mine_pairs(features, 2, labels, MiningMode::kHard);
  EXPECT_EQ(group(hard, false), (std::set<PairKey>{{0, 1}, {2, 3}}));
  EXPECT_EQ(group(hard, true), (std::set<PairKey>{{0, 2}, {0, 3}, {1, 3}}));
  const auto all = mine_pairs(features, 2, labels, MiningMode::kAll);
  EXPECT_EQ(group(all, false).size(), 2u);
  EXPECT_EQ(group(all, true).size(), 4u);
}

TEST(PairsMiner, DuplicateOfTheAnchorIsALegalPositiveAtDistanceZero) {
  // Positions 0 and 1 are the same row drawn twice (smart_sample upsampling).
  const std::vector<float> features = {1, 1, 5, 6};
  const auto pairs = mine_pairs(features, 1, {0, 0, 1, 1}, MiningMode::kHard);
  EXPECT_EQ(group(pairs, false), (std::set<PairKey>{{0, 1}, {2, 3}}));
}

TEST(PairsMiner, LabelsWithoutPartnersContributeNothingOfThatKind) {
  const std::vector<float> features = {0, 1, 5};
  const auto hard = mine_pairs(features, 1, {0, 0, 1}, MiningMode::kHard);
  EXPECT_EQ(group(hard, false), (std::set<PairKey>{{0, 1}}));
  // Anchor 2 has no positive but still mines its closest negative, position 1.
  EXPECT_EQ(group(hard, true), (std::set<PairKey>{{0, 2}, {1, 2}}));
  const auto all = mine_pairs(features, 1, {0, 0, 1}, MiningMode::kAll);
  EXPECT_EQ(group(all, true), (std::set<PairKey>{{0, 2}, {1, 2}}));
  EXPECT_TRUE(mine_pairs(features, 1, {0, 1, 2}, MiningMode::kAll).empty());
  EXPECT_TRUE(group(mine_pairs(features, 1, {0, 1, 2}, MiningMode::kHard), false).empty());
  EXPECT_TRUE(group(mine_pairs(features, 1, {4, 4, 4}, MiningMode::kHard), true).empty());
}

TEST(PairsMiner, CountsOnBalancedBatches) {
  // Random embeddings in BalanceSampler layout: #pos and #neg in [ceil(B/2), B]; 2x2 batches give
  // exactly 2 positives and 2-4 negatives; all mode gives all same-label and cross-label pairs.
  SplitMix64 rng(3);
  for (const auto& [n_labels, n_instances] :
       std::vector<std::pair<int64_t, int64_t>>{{2, 2}, {3, 4}, {5, 2}}) {
    const int64_t batch = n_labels * n_instances;
    std::vector<int64_t> labels;
    for (int64_t l = 0; l < n_labels; ++l) labels.insert(labels.end(), n_instances, l * 10);
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<float> features(static_cast<size_t>(batch * 3));
      for (auto& v : features) v = static_cast<float>(rng.unit());
      const auto hard = mine_pairs(features, 3, labels, MiningMode::kHard);
      const auto n_pos = static_cast<int64_t>(group(hard, false).size());
      const auto n_neg = static_cast<int64_t>(group(hard, true).size());
      EXPECT_GE(n_pos, (batch + 1) / 2);
      EXPECT_LE(n_pos, batch);
      EXPECT_GE(n_neg, (batch + 1) / 2);
      EXPECT_LE(n_neg, batch);
      if (batch == 4) {
        EXPECT_EQ(n_pos, 2);
        EXPECT_LE(n_neg, 4);
      }
      for (const auto& p : hard) EXPECT_EQ(p.is_negative, labels[p.first] != labels[p.second]);
      const auto all = mine_pairs(features, 3, labels, MiningMode::kAll);
      EXPECT_EQ(static_cast<int64_t>(group(all, false).size()),
                n_labels * n_instances * (n_instances - 1) / 2);
      EXPECT_EQ(static_cast<int64_t>(group(all, true).size()),
                batch * (batch - 1) / 2 - n_labels * n_instances * (n_instances - 1) / 2);
    }
  }
}

}  // namespace
}  // namespace oml
