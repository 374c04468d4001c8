#include <gtest/gtest.h>

#include <set>

#include "oml/common/errors.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/retrieval_problem.h"
#include "retrieval/problem_builder.h"

namespace oml {
namespace {

using testing::make_dataframe;
using testing::random_matrix;
using testing::RowSpec;

TEST(HnswIndex, HighRecallAgainstExactAndNeverReturnsIgnoredItems) {
  const int n = 3000;
  std::vector<RowSpec> rows;
  for (int i = 0; i < n; ++i) rows.push_back({i % 50, true, true, std::to_string(i / 4)});
  const RetrievalProblem problem = make_retrieval_problem(make_dataframe(rows));
  const Matrix e = random_matrix(n, 24, 5);
  const Matrix queries = gather_rows(e, problem.query_rows);
  const Matrix galleries = gather_rows(e, problem.gallery_rows);
  IndexOptions exact_options;
  exact_options.threads = 2;
  IndexOptions hnsw_options = exact_options;
  hnsw_options.kind = "hnsw";
  hnsw_options.hnsw_ef_search = 200;
  const RetrievalResults exact = retrieve(queries, galleries, problem, 10, exact_options);
  const RetrievalResults approx = retrieve(queries, galleries, problem, 10, hnsw_options);
  int64_t found = 0;
  for (int64_t q = 0; q < n; ++q) {
    ASSERT_EQ(approx.lists[q].size(), 10u);
    std::set<int32_t> truth;
    for (const Neighbor& nb : exact.lists[q]) truth.insert(nb.gallery);
    for (size_t i = 0; i < approx.lists[q].size(); ++i) {
      const Neighbor& nb = approx.lists[q][i];
      EXPECT_FALSE(problem.is_ignored(q, nb.gallery));  // self and its 3 sequence mates
      if (i > 0) {
        EXPECT_LE(approx.lists[q][i - 1].distance, nb.distance);
      }
      found += truth.count(nb.gallery);
    }
  }
  const double recall = static_cast<double>(found) / (10.0 * n);
  EXPECT_GT(recall, 0.95) << "recall@10 " << recall;
}

TEST(HnswIndex, RejectsBadParametersAndUnknownKinds) {
  IndexOptions bad;
  bad.kind = "hnsw";
  bad.hnsw_m = 1;
  EXPECT_THROW(make_index(bad), InputError);
  IndexOptions unknown;
  unknown.kind = "ivf";
  EXPECT_THROW(make_index(unknown), InputError);
}

}  // namespace
}  // namespace oml
