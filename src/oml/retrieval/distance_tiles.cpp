#include "oml/retrieval/distance_tiles.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "oml/common/progress.h"

namespace oml {

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int64_t effective_query_block(int64_t num_queries, const TileOptions& options) {
  if (options.fixed_query_block) return std::max<int64_t>(1, options.query_block);
  // Small query sets still spread over every worker.
  const int threads = resolve_threads(options.threads);
  const int64_t per_worker = (num_queries + threads - 1) / threads;
  return std::max<int64_t>(1, std::min(options.query_block, per_worker));
}

std::vector<float> squared_row_norms(const Matrix& m) {
  std::vector<float> norms(static_cast<size_t>(m.rows));
  for (int64_t r = 0; r < m.rows; ++r) {
    const float* x = m.row(r);
    float sum = 0.0f;
    for (int64_t c = 0; c < m.cols; ++c) sum += x[c] * x[c];
    norms[static_cast<size_t>(r)] = sum;
  }
  return norms;
}

namespace {

// Turns the GEMM output (−2 q·g) into distances in place.
void finish_distances(float* tile, int64_t rows, int64_t cols, int64_t stride, const float* query_norms,
                      const float* gallery_norms) {
  for (int64_t i = 0; i < rows; ++i) {
    float* out = tile + i * stride;
    const float qn = query_norms[i];
    for (int64_t j = 0; j < cols; ++j) {
      out[j] = distance_from_squared(squared_from_raw(qn, gallery_norms[j], out[j]));
    }
  }
}

}  // namespace

void for_each_distance_tile(const Matrix& queries, const Matrix& galleries, const TileVisitor& visit,
                            const TileOptions& options) {
  if (queries.cols != galleries.cols) {
    throw std::invalid_argument("for_each_distance_tile: queries and galleries differ in dimension");
  }
  const int64_t nq = queries.rows;
  const int64_t ng = galleries.rows;
  const int64_t dim = queries.cols;
  if (nq == 0 || ng == 0) return;
  const int threads = resolve_threads(options.threads);
  const int64_t query_block = effective_query_block(nq, options);
  const int64_t gallery_block = std::max<int64_t>(1, std::min(options.gallery_block, ng));
  const int64_t num_query_blocks = (nq + query_block - 1) / query_block;
  const std::vector<float> query_norms = squared_row_norms(queries);
  const std::vector<float> gallery_norms = squared_row_norms(galleries);

  std::unique_ptr<ProgressBar> progress;
  if (options.progress_label) progress = std::make_unique<ProgressBar>(options.progress_label, nq, "queries");
  std::mutex progress_mutex;
  std::exception_ptr failure;
  std::mutex failure_mutex;

  // Each worker runs its own single-threaded SGEMM: OpenBLAS (OpenMP build) does not spawn
  // nested threads inside a parallel region, and the scan after the GEMM is parallel too.
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> tile(static_cast<size_t>(query_block * gallery_block));
    const int worker = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
    for (int64_t block = 0; block < num_query_blocks; ++block) {
      {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (failure) continue;
      }
      try {
        const int64_t q0 = block * query_block;
        const int64_t q1 = std::min(nq, q0 + query_block);
        for (int64_t g0 = 0; g0 < ng; g0 += gallery_block) {
          const int64_t g1 = std::min(ng, g0 + gallery_block);
          const int64_t rows = q1 - q0;
          const int64_t cols = g1 - g0;
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(cols),
                      static_cast<int>(dim), -2.0f, queries.row(q0), static_cast<int>(dim), galleries.row(g0),
                      static_cast<int>(dim), 0.0f, tile.data(), static_cast<int>(cols));
          if (!options.raw_products) {
            finish_distances(tile.data(), rows, cols, cols, query_norms.data() + q0,
                             gallery_norms.data() + g0);
          }
          DistanceTile view{
              q0, q1, g0, g1, cols, tile.data(), worker, query_norms.data() + q0, gallery_norms.data() + g0};
          visit(view);
        }
        if (progress) {
          std::lock_guard<std::mutex> lock(progress_mutex);
          progress->advance(q1 - q0);
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
  if (progress) progress->finish();
}

}  // namespace oml
