#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "oml/retrieval/distance_tiles.h"
#include "oml/retrieval/exact_index.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/retrieval_problem.h"
#include "retrieval/problem_builder.h"

namespace oml {
namespace {

using testing::make_dataframe;
using testing::make_matrix;
using testing::one_hot;
using testing::random_matrix;
using testing::RowSpec;

RetrievalResults run_exact(const Matrix& embeddings, const RetrievalProblem& problem, int64_t k,
                           TileOptions tiles) {
  const Matrix queries = gather_rows(embeddings, problem.query_rows);
  const Matrix galleries = gather_rows(embeddings, problem.gallery_rows);
  ExactIndex index(tiles);
  index.add(galleries);
  RetrievalResults results;
  results.lists = index.search(queries, k, problem);
  return results;
}

// OML 4.0 kNN golden (spec §11.6): one-hot dim 4, sequences drop same-sequence galleries.
TEST(ExactKnn, OmlGoldenWithSequences) {
  const Dataframe df = make_dataframe({{0, true, true, "0"},
                                       {0, false, true, "1"},
                                       {0, false, true, "2"},
                                       {1, true, true, "3"},
                                       {1, false, true, "3"},
                                       {1, false, true, "4"}});
  const Matrix e =
      make_matrix({one_hot(4, 0), one_hot(4, 0), one_hot(4, 0), one_hot(4, 1), one_hot(4, 1), one_hot(4, 1)});
  const RetrievalProblem problem = make_retrieval_problem(df);
  ASSERT_EQ(problem.query_rows, (std::vector<int64_t>{0, 3}));
  const RetrievalResults r = run_exact(e, problem, 10, TileOptions{});
  ASSERT_EQ(r.lists[0].size(), 5u);
  const std::vector<int32_t> q0_ids{1, 2, 3, 4, 5};
  const std::vector<float> q0_d{0, 0, std::sqrt(2.0f), std::sqrt(2.0f), std::sqrt(2.0f)};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(r.lists[0][i].gallery, q0_ids[i]);
    EXPECT_NEAR(r.lists[0][i].distance, q0_d[i], 1e-6);
  }
  ASSERT_EQ(r.lists[1].size(), 4u);  // self (row 3) and row 4 (same sequence) dropped
  const std::vector<int32_t> q3_ids{5, 0, 1, 2};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(r.lists[1][i].gallery, q3_ids[i]);
  EXPECT_NEAR(r.lists[1][0].distance, 0.0f, 1e-6);
  EXPECT_NEAR(r.lists[1][1].distance, std::sqrt(2.0f), 1e-6);
  EXPECT_EQ(problem.count_ground_truth(), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(problem.count_ignored(), (std::vector<int64_t>{1, 2}));
}

// Brute force in double with the same ignore rule and tie order.
std::vector<std::vector<Neighbor>> brute_force(const Matrix& e, const RetrievalProblem& p, int64_t k) {
  std::vector<std::vector<Neighbor>> lists(static_cast<size_t>(p.num_queries()));
  for (int64_t q = 0; q < p.num_queries(); ++q) {
    std::vector<std::pair<double, int32_t>> all;
    for (int64_t g = 0; g < p.num_galleries(); ++g) {
      if (p.is_ignored(q, g)) continue;
      double s = 0;
      for (int64_t c = 0; c < e.cols; ++c) {
        const double diff = double(e.row(p.query_rows[q])[c]) - e.row(p.gallery_rows[g])[c];
        s += diff * diff;
      }
      all.push_back({std::sqrt(s), static_cast<int32_t>(g)});
    }
    std::sort(all.begin(), all.end());
    for (size_t i = 0; i < all.size() && static_cast<int64_t>(i) < k; ++i) {
      lists[q].push_back({all[i].second, static_cast<float>(all[i].first)});
    }
  }
  return lists;
}

std::vector<RowSpec> random_rows(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<RowSpec> rows;
  for (int i = 0; i < n; ++i) {
    const int kind = static_cast<int>(rng() % 3);
    const int seq = static_cast<int>(rng() % 8);
    rows.push_back(
        {static_cast<int64_t>(rng() % 7), kind != 1, kind != 0, seq < 6 ? std::to_string(seq) : ""});
  }
  return rows;
}

TEST(ExactKnn, MatchesBruteForceAcrossTileShapesAndThreads) {
  const Dataframe df = make_dataframe(random_rows(150, 7));
  const Matrix e = random_matrix(150, 13, 11);
  const RetrievalProblem problem = make_retrieval_problem(df);
  const auto expected = brute_force(e, problem, 9);
  for (const TileOptions tiles :
       {TileOptions{256, 2048, 1}, TileOptions{5, 7, 2}, TileOptions{1, 1, 2}, TileOptions{16, 3, 1}}) {
    const RetrievalResults r = run_exact(e, problem, 9, tiles);
    ASSERT_EQ(r.lists.size(), expected.size());
    for (size_t q = 0; q < expected.size(); ++q) {
      ASSERT_EQ(r.lists[q].size(), expected[q].size()) << "query " << q;
      for (size_t i = 0; i < expected[q].size(); ++i) {
        EXPECT_EQ(r.lists[q][i].gallery, expected[q][i].gallery) << "query " << q << " rank " << i;
        EXPECT_NEAR(r.lists[q][i].distance, expected[q][i].distance, 2e-5);
      }
    }
  }
}

TEST(ExactKnn, TiesGoToTheLowerGalleryIndex) {
  // Integer coordinates: the GEMM form is exact, so every gallery is at exactly distance 5.
  std::vector<RowSpec> rows{{0, true, false}};
  std::vector<std::vector<float>> e{{0, 0}};
  for (int i = 0; i < 40; ++i) {
    rows.push_back({i % 2 == 0 ? 0 : 1, false, true});
    e.push_back(i % 2 == 0 ? std::vector<float>{3, 4} : std::vector<float>{4, 3});
  }
  const RetrievalProblem problem = make_retrieval_problem(make_dataframe(rows));
  const RetrievalResults r = run_exact(make_matrix(e), problem, 6, TileOptions{4, 3, 2});
  ASSERT_EQ(r.lists[0].size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(r.lists[0][i].gallery, i);
    EXPECT_EQ(r.lists[0][i].distance, 5.0f);
  }
}

TEST(ExactKnn, ListsAreShorterWhenFewGalleriesRemain) {
  // 1 vs rest with 3 rows: each query keeps the 2 others even though k = 5.
  const Dataframe df = make_dataframe({{0, true, true}, {0, true, true}, {1, true, true}});
  const Matrix e = make_matrix({{0.0f}, {1.0f}, {3.0f}});
  const RetrievalResults r = run_exact(e, make_retrieval_problem(df), 5, TileOptions{});
  ASSERT_EQ(r.lists[2].size(), 2u);
  EXPECT_EQ(r.lists[2][0].gallery, 1);
  EXPECT_FLOAT_EQ(r.lists[2][0].distance, 2.0f);
  EXPECT_EQ(r.lists[2][1].gallery, 0);
  EXPECT_FLOAT_EQ(r.lists[2][1].distance, 3.0f);
}

TEST(DistanceTiles, CoverEveryPairOnceWithClampedEuclideanValues) {
  const Matrix q = random_matrix(23, 40, 3);
  Matrix g = random_matrix(31, 40, 4);
  std::copy(q.row(0), q.row(0) + 40, g.row(5));  // a duplicate: distance near 0, never NaN
  std::vector<int> seen(23 * 31, 0);
  for_each_distance_tile(
      q, g,
      [&](const DistanceTile& t) {
        for (int64_t i = t.q_begin; i < t.q_end; ++i) {
          for (int64_t j = t.g_begin; j < t.g_end; ++j) {
            ++seen[i * 31 + j];
            double s = 0;
            for (int c = 0; c < 40; ++c)
              s += (double(q.row(i)[c]) - g.row(j)[c]) * (double(q.row(i)[c]) - g.row(j)[c]);
            const float d = t.row(i)[j - t.g_begin];
            ASSERT_FALSE(std::isnan(d));
            EXPECT_NEAR(d, std::sqrt(s), 1e-3) << i << "," << j;
          }
        }
      },
      TileOptions{4, 6, 2});
  for (int count : seen) EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace oml

namespace oml {
namespace {

Matrix numbered_rows(int64_t rows, int64_t cols) {
  Matrix m;
  m.rows = rows;
  m.cols = cols;
  for (int64_t i = 0; i < rows * cols; ++i) m.values.push_back(static_cast<float>(i));
  return m;
}

TEST(TakeRows, AscendingRowsAreCompactedInPlaceAndEqualGatherRows) {
  const std::vector<int64_t> rows = {0, 2, 3, 6};
  const Matrix source = numbered_rows(7, 3);
  const Matrix expected = gather_rows(source, rows);
  Matrix moved = source;
  const float* buffer = moved.values.data();
  const Matrix taken = take_rows(std::move(moved), rows);
  EXPECT_EQ(taken.values.data(), buffer);  // no second allocation
  EXPECT_EQ(taken.rows, 4);
  EXPECT_EQ(taken.values, expected.values);
  EXPECT_EQ(taken.values[9], 18.0f);  // row 6 starts at 6 * 3
}

TEST(TakeRows, UnorderedRowsAreGathered) {
  const std::vector<int64_t> rows = {4, 1, 1};
  const Matrix source = numbered_rows(5, 2);
  const Matrix taken = take_rows(Matrix(source), rows);
  EXPECT_EQ(taken.values, (std::vector<float>{8, 9, 2, 3, 2, 3}));
}

}  // namespace
}  // namespace oml
