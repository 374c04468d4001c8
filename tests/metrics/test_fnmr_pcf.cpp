#include <gtest/gtest.h>

#include <random>

#include "oml/metrics/fnmr_at_fmr.h"
#include "oml/metrics/pcf.h"
#include "oml/metrics/symmetric_eigenvalues.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/retrieval_problem.h"
#include "retrieval/problem_builder.h"

namespace oml {
namespace {

using testing::make_dataframe;
using testing::random_matrix;
using testing::random_rows;

TEST(FnmrAtFmr, OmlGolden) {
  const auto v = fnmr_at_fmr({0, 0, 1, 1, 2, 2, 5, 5, 9, 9}, {3, 3, 4, 4, 6, 6, 7, 7, 8, 8}, {0.1, 0.5});
  ASSERT_TRUE(v[0] && v[1]);
  EXPECT_NEAR(*v[0], 0.4, 1e-12);
  EXPECT_NEAR(*v[1], 0.2, 1e-12);
  EXPECT_FALSE(fnmr_at_fmr({}, {1, 2}, {0.1})[0].has_value());
  EXPECT_FALSE(fnmr_at_fmr({1}, {}, {0.1})[0].has_value());
}

TEST(FnmrAtFmr, NumpyLinearInterpolation) {
  // np.quantile([1, 2, 4, 8], 0.4) = 2 + 0.2·2 = 2.4; at t ≥ 0.5 NumPy computes b − (b−a)(1−t).
  EXPECT_DOUBLE_EQ(linear_quantile_between(2.0, 4.0, 0.2), 2.4);
  EXPECT_DOUBLE_EQ(linear_quantile_between(2.0, 4.0, 0.75), 4.0 - 2.0 * 0.25);
  // pos >= T counts equality: T = 3 exactly (fmr 0) and pos 3 is counted.
  EXPECT_DOUBLE_EQ(*fnmr_at_fmr({3, 2}, {3, 5}, {0.0})[0], 0.5);
}

// Streaming (two radix passes over tiles) equals the dense reference built from the same tiles.
TEST(FnmrAtFmr, StreamingEqualsDenseOverallAndPerCategory) {
  const RetrievalProblem problem = make_retrieval_problem(make_dataframe(random_rows(220, 9, 30, 3)));
  const Matrix e = random_matrix(220, 12, 9);
  const Matrix queries = gather_rows(e, problem.query_rows);
  const Matrix galleries = gather_rows(e, problem.gallery_rows);

  std::vector<std::vector<float>> pos(4), neg(4);
  // One worker: the visitor appends to shared vectors.
  TileOptions one_worker;
  one_worker.threads = 1;
  for_each_distance_tile(
      queries, galleries,
      [&](const DistanceTile& t) {
        for (int64_t q = t.q_begin; q < t.q_end; ++q) {
          for (int64_t g = t.g_begin; g < t.g_end; ++g) {
            if (problem.is_ignored(q, g)) continue;
            auto& bucket = problem.query_labels[q] == problem.gallery_labels[g] ? pos : neg;
            bucket[0].push_back(t.row(q)[g - t.g_begin]);
            bucket[1 + problem.query_categories[q]].push_back(t.row(q)[g - t.g_begin]);
          }
        }
      },
      one_worker);
  const std::vector<double> fmrs{0.0, 0.01, 0.1, 0.333, 0.5, 0.9, 1.0};
  const auto streamed = streaming_fnmr_at_fmr(queries, galleries, problem, fmrs, true, TileOptions{7, 13, 2});
  ASSERT_EQ(streamed.size(), 4u);
  for (int group = 0; group < 4; ++group) {
    const auto dense = fnmr_at_fmr(pos[group], neg[group], fmrs);
    for (size_t i = 0; i < fmrs.size(); ++i) {
      ASSERT_TRUE(dense[i] && streamed[group][i]);
      EXPECT_DOUBLE_EQ(*streamed[group][i], *dense[i]) << "group " << group << " fmr " << fmrs[i];
    }
  }
}

Matrix eye(int rows, int cols) {
  Matrix m;
  m.rows = rows;
  m.cols = cols;
  m.values.assign(static_cast<size_t>(rows * cols), 0.0f);
  for (int i = 0; i < std::min(rows, cols); ++i) m.row(i)[i] = 1.0f;
  return m;
}

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
  return rows;
}

TEST(Pcf, OmlGoldens) {
  const auto a = principal_component_fraction(eye(4, 10), all_rows(4), {0.5, 1.0});
  EXPECT_NEAR(*a[0], 0.2, 1e-12);
  EXPECT_NEAR(*a[1], 0.5, 1e-12);  // exceeds what a rank-3 sample "needs": OML counts min(n, D) components
  Matrix doubled = eye(300, 20);
  for (int i = 10; i < 20; ++i) doubled.row(i)[i] = 0.0f;      // eye(300, 10) on the left half only
  for (int i = 0; i < 10; ++i) doubled.row(i)[10 + i] = 1.0f;  // cat([eye(300,10), eye(300,10)], dim=1)
  const auto b = principal_component_fraction(doubled, all_rows(300), {0.5, 0.9});
  EXPECT_NEAR(*b[0], 0.25, 1e-12);
  EXPECT_NEAR(*b[1], 0.45, 1e-12);
}

// Fewer rows than dimensions decomposes the n×n Gram matrix instead of the D×D scatter; repeating
// every row k times scales the scatter by k (same fractions) and, with kn > D, takes the D×D path.
TEST(Pcf, GramPathEqualsScatterPath) {
  for (const auto& [n, dim] : {std::pair<int64_t, int64_t>{12, 40}, {1100, 1200}}) {
    const Matrix x = random_matrix(n, dim, 5);
    Matrix repeated;
    repeated.rows = 2 * n;
    repeated.cols = dim;
    repeated.values.resize(static_cast<size_t>(2 * n * dim));
    for (int64_t r = 0; r < 2 * n; ++r) std::copy(x.row(r % n), x.row(r % n) + dim, repeated.row(r));
    const std::vector<double> ratios{0.1, 0.5, 0.9, 0.99};
    const auto gram_path = principal_component_fraction(x, all_rows(n), ratios);
    const auto scatter_path = principal_component_fraction(repeated, all_rows(2 * n), ratios);
    for (size_t i = 0; i < ratios.size(); ++i) {
      ASSERT_TRUE(gram_path[i] && scatter_path[i]);
      EXPECT_EQ(*gram_path[i], *scatter_path[i]) << n << "x" << dim << " ratio " << ratios[i];
    }
    EXPECT_GT(*gram_path[2], *gram_path[0]);
  }
}

TEST(Pcf, UndefinedForFewRowsOrNoVariance) {
  EXPECT_FALSE(principal_component_fraction(eye(4, 10), {2}, {0.5})[0].has_value());
  Matrix same = eye(3, 4);
  for (int r = 0; r < 3; ++r) same.row(r)[0] = 1.0f, same.row(r)[1] = 0.0f, same.row(r)[2] = 0.0f;
  EXPECT_FALSE(principal_component_fraction(same, all_rows(3), {0.5})[0].has_value());
}

TEST(SymmetricEigenvalues, KnownSpectra) {
  // [[2,1,0],[1,2,1],[0,1,2]] has eigenvalues 2+√2, 2, 2−√2.
  const auto v = symmetric_eigenvalues({2, 1, 0, 1, 2, 1, 0, 1, 2}, 3);
  EXPECT_NEAR(v[0], 2 + std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(v[1], 2, 1e-12);
  EXPECT_NEAR(v[2], 2 - std::sqrt(2.0), 1e-12);
  // A random Gram matrix: eigenvalues sum to the trace and are non-negative.
  const Matrix x = random_matrix(7, 30, 2);
  std::vector<double> gram(30 * 30, 0.0);
  double trace = 0;
  for (int i = 0; i < 30; ++i) {
    for (int j = 0; j < 30; ++j) {
      for (int r = 0; r < 7; ++r) gram[i * 30 + j] += double(x.row(r)[i]) * x.row(r)[j];
    }
    trace += gram[i * 30 + i];
  }
  const auto w = symmetric_eigenvalues(gram, 30);
  double sum = 0;
  for (double e : w) sum += e;
  EXPECT_NEAR(sum, trace, 1e-9 * trace);
  EXPECT_GT(w[6], 1e-3);                 // rank 7
  EXPECT_NEAR(w[7], 0.0, 1e-9 * trace);  // then zeros
}

}  // namespace
}  // namespace oml
