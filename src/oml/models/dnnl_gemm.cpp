#include "oml/models/dnnl_gemm.h"

#include <ATen/Parallel.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace oml {

void dnnl_sgemm_row_major(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const int threads = at::get_num_threads();
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  const dnnl_status_t status = dnnl_sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  if (status != dnnl_success) {
    throw std::runtime_error("oneDNN sgemm failed with status " + std::to_string(static_cast<int>(status)));
  }
}

torch::Tensor gemm_rows(const torch::Tensor& t, int64_t cols) {
  torch::Tensor rows = t.reshape({-1, cols});
  // A row stride below cols would mean overlapping rows (an expanded tensor): only a copy works.
  const bool adjacent_columns = cols <= 1 || rows.stride(1) == 1;
  if (!adjacent_columns || (rows.size(0) > 1 && rows.stride(0) < cols)) rows = rows.contiguous();
  return rows;
}

int64_t gemm_leading_dim(const torch::Tensor& rows) {
  return rows.size(0) > 1 ? rows.stride(0) : std::max<int64_t>(rows.size(1), 1);
}

}  // namespace oml
