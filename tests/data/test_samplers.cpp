#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "oml/common/errors.h"
#include "oml/data/samplers.h"

namespace oml {
namespace {

using ::testing::HasSubstr;

// Labels with unequal class sizes, including classes smaller than n_instances (upsampling).
std::vector<int64_t> uneven_labels() {
  return {3, 3, 3, 3, 3, 7, 7, 1, 1, 1, 9, 9, 9, 9, 5, 5, 5, 11, 11, 4, 4, 4, 4, 4, 4, 4, 8, 8};
}

TEST(SplitMix64, MatchesTheReferenceSequenceForSeedZero) {
  // First outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(rng.next(), 0x06C45D188009454FULL);
}

TEST(SplitMix64, BelowStaysInRangeAndCoversIt) {
  SplitMix64 rng(42);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const auto v = rng.below(7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_GT(c, 800);  // expectation 1000; binomial sd ~29
}

TEST(SmartSample, WithoutReplacementWhenEnoughItems) {
  SplitMix64 rng(1);
  const std::vector<int64_t> items = {10, 11, 12, 13, 14};
  const auto picked = smart_sample(items, 3, rng);
  ASSERT_EQ(picked.size(), 3u);
  EXPECT_EQ(std::set<int64_t>(picked.begin(), picked.end()).size(), 3u);
  for (auto v : picked) EXPECT_GE(v, 10);
}

TEST(SmartSample, AllItemsThenDuplicatesWhenTooFew) {
  SplitMix64 rng(1);
  const std::vector<int64_t> items = {4, 8};
  const auto picked = smart_sample(items, 5, rng);
  ASSERT_EQ(picked.size(), 5u);
  // The first |items| are a permutation of all items.
  EXPECT_EQ(std::set<int64_t>(picked.begin(), picked.begin() + 2), (std::set<int64_t>{4, 8}));
  for (auto v : picked) EXPECT_TRUE(v == 4 || v == 8);
}

TEST(BalanceSampler, EpochInvariants) {
  const auto labels = uneven_labels();  // 8 distinct labels
  for (int64_t n_labels : {2, 3, 5, 8}) {
    BalanceSampler sampler(labels, n_labels, 4, 123);
    EXPECT_EQ(sampler.batches_per_epoch(), 8 / n_labels);
    for (int epoch = 0; epoch < 5; ++epoch) {
      const auto batches = sampler.next_epoch();
      ASSERT_EQ(static_cast<int64_t>(batches.size()), 8 / n_labels);
      std::set<int64_t> labels_in_epoch;
      int64_t total = 0;
      for (const auto& batch : batches) {
        ASSERT_EQ(static_cast<int64_t>(batch.size()), n_labels * 4);
        total += static_cast<int64_t>(batch.size());
        std::set<int64_t> labels_in_batch;
        for (int64_t block = 0; block < n_labels; ++block) {
          const int64_t label = labels[batch[block * 4]];
          // n_labels contiguous blocks of n_instances items with one label each.
          for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(labels[batch[block * 4 + i]], label);
          // Every item of a label appears before any duplicate of it.
          std::set<int64_t> block_items(batch.begin() + block * 4, batch.begin() + block * 4 + 4);
          const auto available = static_cast<size_t>(std::count(labels.begin(), labels.end(), label));
          EXPECT_EQ(block_items.size(), std::min<size_t>(available, 4));
          EXPECT_TRUE(labels_in_batch.insert(label).second);
          EXPECT_TRUE(labels_in_epoch.insert(label).second) << "label " << label << " twice in an epoch";
        }
      }
      EXPECT_EQ(total, (8 / n_labels) * n_labels * 4);
    }
  }
}

TEST(BalanceSampler, SameSeedSameBatchesOtherSeedOtherBatches) {
  const auto labels = uneven_labels();
  BalanceSampler a(labels, 2, 3, 7);
  BalanceSampler b(labels, 2, 3, 7);
  BalanceSampler c(labels, 2, 3, 8);
  const auto ea = a.next_epoch();
  EXPECT_EQ(ea, b.next_epoch());
  EXPECT_NE(ea, c.next_epoch());
  EXPECT_NE(ea, a.next_epoch());  // the generator advances between epochs
}

TEST(BalanceSampler, EveryLabelIsEventuallyUsedAcrossEpochs) {
  const auto labels = uneven_labels();
  BalanceSampler sampler(labels, 3, 2, 5);  // 8 labels, 2 dropped per epoch
  std::set<int64_t> seen;
  for (int epoch = 0; epoch < 20; ++epoch) {
    for (const auto& batch : sampler.next_epoch()) {
      for (auto item : batch) seen.insert(labels[item]);
    }
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(BalanceSampler, RejectsBadArgumentsWithClearMessages) {
  const auto labels = uneven_labels();
  EXPECT_THROW(BalanceSampler(labels, 1, 2, 0), InputError);
  EXPECT_THROW(BalanceSampler(labels, 9, 2, 0), InputError);
  EXPECT_THROW(BalanceSampler(labels, 2, 1, 0), InputError);
  ItemNames names{"train row", [](int64_t item) { return "df.csv:" + std::to_string(item + 2); }};
  try {
    BalanceSampler({0, 0, 5, 1, 1}, 2, 2, 0, names);
    FAIL() << "a label with one row must be rejected";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "label 5 has 1 train row (df.csv:4); each label needs at least 2");
  }
}

std::map<int64_t, std::string> categories_of(const std::vector<int64_t>& labels) {
  std::map<int64_t, std::string> out;
  for (auto label : labels) out[label] = label < 5 ? "shoes" : (label < 9 ? "bags" : "hats");
  return out;
}

TEST(CategoryBalanceSampler, BatchInvariants) {
  const auto labels = uneven_labels();  // shoes {1,3,4}, bags {5,7,8}, hats {9,11}
  const auto label2category = categories_of(labels);
  CategoryBalanceSampler sampler(labels, label2category, 2, 2, 3, false, true, 11);
  EXPECT_EQ(sampler.batches_per_epoch(), 4);  // ceil(8 / 2)
  EXPECT_EQ(sampler.batch_size(), 12);
  std::set<std::string> categories_seen;
  for (int epoch = 0; epoch < 10; ++epoch) {
    const auto batches = sampler.next_epoch();
    ASSERT_EQ(batches.size(), 4u);
    for (const auto& batch : batches) {
      ASSERT_EQ(batch.size(), 12u);
      std::set<std::string> categories;
      std::set<int64_t> batch_labels;
      for (size_t block = 0; block < 4; ++block) {
        const int64_t label = labels[batch[block * 3]];
        for (size_t i = 0; i < 3; ++i) EXPECT_EQ(labels[batch[block * 3 + i]], label);
        EXPECT_TRUE(batch_labels.insert(label).second);  // without resampling labels are distinct
        if (block % 2 == 1) {
          EXPECT_EQ(label2category.at(labels[batch[(block - 1) * 3]]), label2category.at(label));
        } else {
          EXPECT_TRUE(categories.insert(label2category.at(label)).second);
        }
      }
      EXPECT_EQ(categories.size(), 2u);
      categories_seen.insert(categories.begin(), categories.end());
    }
  }
  EXPECT_EQ(categories_seen.size(), 3u);
}

TEST(CategoryBalanceSampler, ResampleLabelsAllowsSmallCategories) {
  const auto labels = uneven_labels();
  const auto label2category = categories_of(labels);
  EXPECT_THROW(CategoryBalanceSampler(labels, label2category, 1, 3, 2, false, true, 0), InputError);
  CategoryBalanceSampler sampler(labels, label2category, 1, 3, 2, true, false, 0);
  for (const auto& batch : sampler.next_epoch()) {
    ASSERT_EQ(batch.size(), 6u);
    for (size_t i = 1; i < batch.size(); ++i) {
      EXPECT_EQ(label2category.at(labels[batch[i]]), label2category.at(labels[batch[0]]));
    }
  }
}

TEST(CategoryBalanceSampler, RejectsInconsistentCategories) {
  const auto labels = uneven_labels();
  auto missing = categories_of(labels);
  missing.erase(7);
  EXPECT_THROW(CategoryBalanceSampler(labels, missing, 1, 2, 2, false, true, 0), InputError);
  auto extra = categories_of(labels);
  extra[100] = "hats";
  EXPECT_THROW(CategoryBalanceSampler(labels, extra, 1, 2, 2, false, true, 0), InputError);
  try {
    CategoryBalanceSampler(labels, categories_of(labels), 4, 2, 2, false, true, 0);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("n_categories"));
  }
}

}  // namespace
}  // namespace oml
