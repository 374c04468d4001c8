#include <gtest/gtest.h>

#include <random>

#include "oml/retrieval/problem_slice.h"
#include "retrieval/problem_builder.h"

namespace oml {
namespace {

using testing::make_dataframe;
using testing::RowSpec;

TEST(ProblemSlice, IgnoreAndGroundTruthFollowTheRows) {
  std::mt19937 rng(2);
  std::vector<RowSpec> rows;
  for (int i = 0; i < 60; ++i) {
    const int kind = static_cast<int>(rng() % 3);
    rows.push_back({static_cast<int64_t>(rng() % 5), kind != 1, kind != 0,
                    rng() % 3 ? "" : std::to_string(rng() % 6), rng() % 2 ? "x" : "y"});
  }
  const RetrievalProblem whole = make_retrieval_problem(make_dataframe(rows));
  const int64_t q0 = 3, q1 = whole.num_queries() - 2, g0 = 5, g1 = whole.num_galleries() - 4;
  const RetrievalProblem part = slice_problem(whole, q0, q1, g0, g1);
  ASSERT_EQ(part.num_queries(), q1 - q0);
  ASSERT_EQ(part.num_galleries(), g1 - g0);
  EXPECT_EQ(part.category_names, whole.category_names);
  for (int64_t q = q0; q < q1; ++q) {
    EXPECT_EQ(part.query_rows[q - q0], whole.query_rows[q]);
    EXPECT_EQ(part.query_categories[q - q0], whole.query_categories[q]);
    for (int64_t g = g0; g < g1; ++g) {
      EXPECT_EQ(part.is_ignored(q - q0, g - g0), whole.is_ignored(q, g)) << q << "," << g;
      EXPECT_EQ(part.is_ground_truth(q - q0, g - g0), whole.is_ground_truth(q, g)) << q << "," << g;
    }
  }
  EXPECT_THROW(slice_problem(whole, 0, whole.num_queries() + 1, 0, 1), std::out_of_range);
}

}  // namespace
}  // namespace oml
