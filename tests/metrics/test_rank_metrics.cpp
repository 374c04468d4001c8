// Goldens of spec §11.6 for cmc/precision/map (OML's tests), on explicit ground-truth flags.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "oml/metrics/retrieval_metrics.h"

namespace oml {
namespace {

using Flags = std::vector<std::vector<uint8_t>>;

Flags flags_from_positions(const std::vector<std::vector<int>>& positions, size_t length) {
  Flags flags;
  for (const auto& p : positions) {
    std::vector<uint8_t> f(length, 0);
    for (int i : p) f[static_cast<size_t>(i)] = 1;
    flags.push_back(f);
  }
  return flags;
}

void expect_values(const std::vector<double>& actual, const std::vector<double>& expected, double tol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tol) << "query " << i;
}

// Labels [0,0,0,0,1,1], all both query and gallery; 5 non-ignored items per list.
class ExactCase : public ::testing::Test {
 protected:
  Flags flags = flags_from_positions({{0, 1, 3}, {0, 3, 4}, {1, 2, 4}, {2, 3, 4}, {0}, {3}}, 5);
  std::vector<int64_t> n_gt{3, 3, 3, 3, 1, 1};
};

TEST_F(ExactCase, Cmc) {
  expect_values(per_query_values(RankMetric::kCmc, flags, n_gt, 1), {1, 1, 0, 0, 1, 0}, 1e-4);
  expect_values(per_query_values(RankMetric::kCmc, flags, n_gt, 2), {1, 1, 1, 0, 1, 0}, 1e-4);
  expect_values(per_query_values(RankMetric::kCmc, flags, n_gt, 3), {1, 1, 1, 1, 1, 0}, 1e-4);
  for (int64_t k : {4, 5, 10})
    expect_values(per_query_values(RankMetric::kCmc, flags, n_gt, k), {1, 1, 1, 1, 1, 1}, 1e-4);
}

TEST_F(ExactCase, Precision) {
  expect_values(per_query_values(RankMetric::kPrecision, flags, n_gt, 1), {1, 1, 0, 0, 1, 0}, 1e-4);
  expect_values(per_query_values(RankMetric::kPrecision, flags, n_gt, 2), {1, .5, .5, 0, 1, 0}, 1e-4);
  expect_values(per_query_values(RankMetric::kPrecision, flags, n_gt, 3),
                {2. / 3, 1. / 3, 2. / 3, 1. / 3, 1, 0}, 1e-4);
  expect_values(per_query_values(RankMetric::kPrecision, flags, n_gt, 4), {1, 2. / 3, 2. / 3, 2. / 3, 1, 1},
                1e-4);
  for (int64_t k : {5, 10}) {
    expect_values(per_query_values(RankMetric::kPrecision, flags, n_gt, k), {1, 1, 1, 1, 1, 1}, 1e-4);
  }
}

TEST_F(ExactCase, MeanAveragePrecision) {
  expect_values(per_query_values(RankMetric::kMap, flags, n_gt, 1), {1, 1, 0, 0, 1, 0}, 1e-4);
  expect_values(per_query_values(RankMetric::kMap, flags, n_gt, 2), {1, 1, .5, 0, 1, 0}, 1e-4);
  expect_values(per_query_values(RankMetric::kMap, flags, n_gt, 3), {1, 1, 7. / 12, 1. / 3, 1, 0}, 1e-4);
  expect_values(per_query_values(RankMetric::kMap, flags, n_gt, 4),
                {11. / 12, 3. / 4, 7. / 12, 5. / 12, 1, 1. / 4}, 1e-4);
  for (int64_t k : {5, 10}) {
    expect_values(per_query_values(RankMetric::kMap, flags, n_gt, k),
                  {11. / 12, 21. / 30, 53. / 90, 43. / 90, 1, 1. / 4}, 1e-4);
  }
}

TEST(RankMetrics, DocstringCase) {
  const Flags flags{{1, 0}, {0, 1}, {0, 0}};
  const std::vector<int64_t> n_gt{2, 3, 5};
  expect_values(per_query_values(RankMetric::kCmc, flags, n_gt, 1), {1, 0, 0}, 1e-9);
  expect_values(per_query_values(RankMetric::kCmc, flags, n_gt, 2), {1, 1, 0}, 1e-9);
  expect_values(per_query_values(RankMetric::kPrecision, flags, n_gt, 1), {1, 0, 0}, 1e-9);
  expect_values(per_query_values(RankMetric::kPrecision, flags, n_gt, 2), {.5, .5, 0}, 1e-9);
  expect_values(per_query_values(RankMetric::kMap, flags, n_gt, 1), {1, 0, 0}, 1e-9);
  expect_values(per_query_values(RankMetric::kMap, flags, n_gt, 2), {1, .5, 0}, 1e-9);
}

// Dense distance rows: sort by (distance, index) as our retrieval does, then flag.
Flags flags_from_distances(const std::vector<std::vector<double>>& d,
                           const std::vector<std::vector<int>>& gt) {
  Flags flags;
  for (size_t q = 0; q < d.size(); ++q) {
    std::vector<size_t> order(d[q].size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return d[q][a] < d[q][b]; });
    std::vector<uint8_t> f;
    for (size_t i : order) f.push_back(static_cast<uint8_t>(gt[q][i]));
    flags.push_back(f);
  }
  return flags;
}

double mean_cmc(const std::vector<std::vector<double>>& d, const std::vector<std::vector<int>>& gt,
                int64_t k) {
  std::vector<int64_t> n_gt;
  for (const auto& row : gt) n_gt.push_back(std::accumulate(row.begin(), row.end(), 0));
  const auto values = per_query_values(RankMetric::kCmc, flags_from_distances(d, gt), n_gt, k);
  return *mean_where(values, std::vector<uint8_t>(values.size(), 1));
}

TEST(RankMetrics, CmcFromDistanceMatrices) {
  EXPECT_DOUBLE_EQ(mean_cmc({{1, 2}, {2, 1}}, {{0, 1}, {1, 0}}, 1), 0.0);
  EXPECT_DOUBLE_EQ(mean_cmc({{0, .5}, {0, .5}}, {{0, 1}, {1, 0}}, 1), 0.5);
  EXPECT_DOUBLE_EQ(mean_cmc({{0, .5}, {0, .5}}, {{0, 1}, {1, 0}}, 2), 1.0);
  EXPECT_NEAR(mean_cmc({{1, .5, .2}, {2, 3, 4}, {.4, 3, 4}}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, 2), 1.0 / 3,
              1e-12);
}

TEST(RankMetrics, Oml40IdLists) {
  // retrieved [[0,5,4],[2,1,5],[2,1,5]], gt [[0,10,4],[2,3],[2,3]].
  const Flags flags{{1, 0, 1}, {1, 0, 0}, {1, 0, 0}};
  const std::vector<int64_t> n_gt{3, 2, 2};
  const std::vector<uint8_t> all(3, 1), cat{1, 0, 0}, dog{0, 1, 1};
  EXPECT_DOUBLE_EQ(*mean_where(per_query_values(RankMetric::kCmc, flags, n_gt, 1), all), 1.0);
  for (int64_t k : {3, 5}) {
    const auto p = per_query_values(RankMetric::kPrecision, flags, n_gt, k);
    EXPECT_NEAR(*mean_where(p, all), (2. / 3 + .5 + .5) / 3, 1e-12);
    EXPECT_NEAR(*mean_where(p, cat), 2. / 3, 1e-12);
    EXPECT_NEAR(*mean_where(p, dog), .5, 1e-12);
  }
}

TEST(RankMetrics, EmptyListsScoreZeroAndNoGtQueriesAreLeftOut) {
  const Flags flags{{}, {}, {}};
  const std::vector<int64_t> n_gt{1, 0, 2};
  const std::vector<uint8_t> eligible{1, 0, 1};  // §11.2: query 1 excluded
  EXPECT_DOUBLE_EQ(*mean_where(per_query_values(RankMetric::kCmc, flags, n_gt, 3), eligible), 0.0);
  EXPECT_DOUBLE_EQ(*mean_where(per_query_values(RankMetric::kPrecision, flags, n_gt, 2), eligible), 0.0);
  EXPECT_DOUBLE_EQ(*mean_where(per_query_values(RankMetric::kMap, flags, n_gt, 1), eligible), 0.0);
  EXPECT_FALSE(mean_where({0.5, 1.0}, {0, 0}).has_value());
}

TEST(RankMetrics, WorstQueriesAreStableAscending) {
  EXPECT_EQ(worst_queries({0, 1, 0.5}, 3), (std::vector<int64_t>{0, 2, 1}));
  EXPECT_EQ(worst_queries({1, 0, 0, 1}, 2), (std::vector<int64_t>{1, 2}));
}

TEST(RankMetrics, RejectsNonPositiveK) { EXPECT_THROW(cmc_at_k({1}, 1, 0), std::invalid_argument); }

}  // namespace
}  // namespace oml
