// Exact-kNN kernel throughput vs the plain SGEMM it is built on (single thread, this machine's
// OpenBLAS). Counters report GFLOP/s of the 2·m·n·d multiply-adds in each case, so the ratio
// distance-tile / sgemm is the share of BLAS speed the distance kernel keeps after adding norms,
// clamping, sqrt and the top-k scan.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <random>
#include <vector>

#include "oml/retrieval/distance_tiles.h"
#include "oml/retrieval/exact_index.h"
#include "oml/retrieval/retrieval_problem.h"

namespace {

oml::Matrix random_matrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  oml::Matrix m;
  m.rows = rows;
  m.cols = cols;
  m.values.resize(static_cast<size_t>(rows * cols));
  for (float& v : m.values) v = normal(rng);
  return m;
}

constexpr int64_t kDim = 384;
constexpr int64_t kQueries = 1024;
constexpr int64_t kGalleries = 16384;

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops_per_iteration * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// One tile-sized SGEMM (the kernel's unit of work), repeated over the same query/gallery sizes.
void BM_Sgemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1);
  const oml::Matrix a = random_matrix(m, kDim, 1), b = random_matrix(n, kDim, 2);
  std::vector<float> c(static_cast<size_t>(m * n));
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n), kDim,
                -2.0f, a.values.data(), kDim, b.values.data(), kDim, 0.0f, c.data(), static_cast<int>(n));
    benchmark::DoNotOptimize(c.data());
  }
  set_flops(state, 2.0 * m * n * kDim);
}
BENCHMARK(BM_Sgemm)->Args({256, 2048})->Args({256, 4096})->Args({512, 2048})->Unit(benchmark::kMillisecond);

// Full distance tiles (GEMM + norms + clamp + sqrt) streamed to an empty visitor.
void BM_DistanceTiles(benchmark::State& state) {
  const oml::Matrix q = random_matrix(kQueries, kDim, 3), g = random_matrix(kGalleries, kDim, 4);
  oml::TileOptions tiles;
  tiles.threads = 1;
  tiles.query_block = state.range(0);
  tiles.gallery_block = state.range(1);
  for (auto _ : state) {
    oml::for_each_distance_tile(
        q, g, [](const oml::DistanceTile& t) { benchmark::DoNotOptimize(t.values); }, tiles);
  }
  set_flops(state, 2.0 * kQueries * kGalleries * kDim);
}
BENCHMARK(BM_DistanceTiles)
    ->Args({256, 2048})
    ->Args({256, 4096})
    ->Args({512, 2048})
    ->Unit(benchmark::kMillisecond);

// Exact top-10 search: distance tiles plus the bounded top-k scan.
void BM_ExactKnnTop10(benchmark::State& state) {
  const oml::Matrix q = random_matrix(kQueries, kDim, 5), g = random_matrix(kGalleries, kDim, 6);
  oml::RetrievalProblem problem;
  problem.query_rows.resize(kQueries);
  problem.query_labels.assign(kQueries, 0);
  problem.query_sequences.assign(kQueries, -1);
  problem.query_self_gallery.assign(kQueries, -1);
  problem.gallery_rows.resize(kGalleries);
  problem.gallery_labels.assign(kGalleries, 0);
  problem.gallery_sequences.assign(kGalleries, -1);
  oml::TileOptions tiles;
  tiles.threads = 1;
  for (auto _ : state) {
    oml::ExactIndex index(tiles);
    index.add(g);
    benchmark::DoNotOptimize(index.search(q, 10, problem));
  }
  set_flops(state, 2.0 * kQueries * kGalleries * kDim);
}
BENCHMARK(BM_ExactKnnTop10)->Unit(benchmark::kMillisecond);

}  // namespace
