#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "oml/postprocessing/k_reciprocal.h"
#include "postprocessing/toy_problem.h"

namespace oml {
namespace {

struct StepRun {
  RetrievalResults results;
  PostprocessingState state;
};

StepRun run_krnn(const testing::ToyProblem& toy, KReciprocalOptions options, int64_t k) {
  StepRun run{testing::initial_results(toy, k), {}};
  const auto context = testing::context_for(toy, k);
  run.state = PostprocessingState::initial(context);
  KReciprocalReranking krnn(options);
  krnn.process(run.results, context, run.state);
  return run;
}

TEST(KReciprocal, GoldenOneDimensionalNodes) {
  // Spec §15: every node is a query and a gallery, the self pair ignored; k1=2, k2=2, λ=0.3.
  const std::vector<std::vector<float>> nodes{{0.0f}, {0.1f}, {0.35f}, {1.0f}, {1.2f}, {1.5f}, {3.0f}};
  const std::vector<int64_t> all{0, 1, 2, 3, 4, 5, 6};
  const auto toy = testing::make_toy_problem(nodes, all, all);
  const StepRun run = run_krnn(toy, {2, 2, 0.3}, 6);
  const auto& list = run.results.lists[3];
  EXPECT_EQ(testing::ids_of(list), (std::vector<int32_t>{4, 5, 2, 1, 6, 0}));
  const std::vector<float> expected{0.00300f, 0.03911f, 0.73169f, 0.76075f, 0.76667f, 0.77500f};
  ASSERT_EQ(list.size(), expected.size());
  for (size_t i = 0; i < list.size(); ++i) EXPECT_NEAR(list[i].distance, expected[i], 1e-5) << "at " << i;
  // The original order differs in the last two places.
  EXPECT_EQ(testing::ids_of(testing::initial_results(toy, 6).lists[3]),
            (std::vector<int32_t>{4, 5, 2, 1, 0, 6}));
}

// tests/fixtures/make_krnn_fixtures.py: a dense NumPy implementation of §15 on random problems.
TEST(KReciprocal, MatchesDenseReferenceOnRandomProblems) {
  std::ifstream in(std::string(OML_SOURCE_DIR) + "/tests/fixtures/postprocessing/krnn_cases.json");
  ASSERT_TRUE(in) << "missing krnn_cases.json";
  const nlohmann::json fixture = nlohmann::json::parse(in);
  ASSERT_EQ(fixture["cases"].size(), 30u);
  int case_index = 0;
  for (const auto& c : fixture["cases"]) {
    SCOPED_TRACE("case " + std::to_string(case_index++));
    const auto toy = testing::make_toy_problem(
        c["embeddings"].get<std::vector<std::vector<float>>>(), c["queries"].get<std::vector<int64_t>>(),
        c["galleries"].get<std::vector<int64_t>>(), c["sequences"].get<std::vector<int64_t>>());
    const auto expected = c["expected"].get<std::vector<std::vector<double>>>();
    const int64_t g_count = toy.galleries.rows;
    const StepRun run =
        run_krnn(toy, {c["k1"].get<int64_t>(), c["k2"].get<int64_t>(), c["lambda"].get<double>()}, g_count);
    // Every pair, ignored ones included, through the fnmr@fmr recipe.
    const auto dense = testing::dense_final_distances(run.state.final_distances);
    for (size_t q = 0; q < expected.size(); ++q) {
      for (size_t g = 0; g < expected[q].size(); ++g) {
        EXPECT_NEAR(dense[q][g], expected[q][g], 1e-5) << "q " << q << " g " << g;
      }
    }
    // Lists: every non-ignored gallery once, with its reference d*, in non-decreasing order.
    for (size_t q = 0; q < expected.size(); ++q) {
      const auto& list = run.results.lists[q];
      int64_t allowed = 0;
      for (int64_t g = 0; g < g_count; ++g)
        allowed += toy.problem.is_ignored(static_cast<int64_t>(q), g) ? 0 : 1;
      ASSERT_EQ(static_cast<int64_t>(list.size()), allowed);
      for (size_t i = 0; i < list.size(); ++i) {
        EXPECT_FALSE(toy.problem.is_ignored(static_cast<int64_t>(q), list[i].gallery));
        EXPECT_NEAR(list[i].distance, expected[q][static_cast<size_t>(list[i].gallery)], 1e-5);
        if (i > 0) {
          EXPECT_LE(list[i - 1].distance, list[i].distance);
        }
      }
    }
  }
}

std::vector<std::vector<float>> random_rows(int64_t n, int64_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> rows(static_cast<size_t>(n), std::vector<float>(static_cast<size_t>(dim)));
  for (auto& r : rows) {
    for (auto& v : r) v = normal(rng);
  }
  return rows;
}

TEST(KReciprocal, LambdaOneKeepsTheOriginalRanking) {
  // d* = D = d²/max_k d(q,k)², a monotone map of the Euclidean distance per query.
  const auto rows = random_rows(60, 8, 7);
  std::vector<int64_t> queries, galleries;
  for (int64_t i = 0; i < 60; ++i) (i % 3 == 0 ? queries : galleries).push_back(i);
  const auto toy = testing::make_toy_problem(rows, queries, galleries);
  const StepRun run = run_krnn(toy, {20, 6, 1.0}, 10);
  const RetrievalResults original = testing::initial_results(toy, 10);
  for (size_t q = 0; q < queries.size(); ++q) {
    EXPECT_EQ(testing::ids_of(run.results.lists[q]), testing::ids_of(original.lists[q])) << "query " << q;
    const float scale = run.state.final_distances.krnn_inverse_row_max[q];
    ASSERT_GT(scale, 0.0f);
    for (size_t i = 0; i < original.lists[q].size(); ++i) {
      const float d = original.lists[q][i].distance;
      EXPECT_NEAR(run.results.lists[q][i].distance, d * d * scale, 1e-5);
    }
  }
}

TEST(KReciprocal, LambdaBelowOneChangesSomeRankings) {
  // Guards the previous test: the Jaccard term is not inert on the same data.
  const auto rows = random_rows(60, 8, 7);
  std::vector<int64_t> queries, galleries;
  for (int64_t i = 0; i < 60; ++i) (i % 3 == 0 ? queries : galleries).push_back(i);
  const auto toy = testing::make_toy_problem(rows, queries, galleries);
  const StepRun run = run_krnn(toy, {20, 6, 0.3}, 10);
  const RetrievalResults original = testing::initial_results(toy, 10);
  int changed = 0;
  for (size_t q = 0; q < queries.size(); ++q) {
    changed += testing::ids_of(run.results.lists[q]) != testing::ids_of(original.lists[q]) ? 1 : 0;
  }
  EXPECT_GT(changed, 0);
}

}  // namespace
}  // namespace oml
