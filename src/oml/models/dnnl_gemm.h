#pragma once
#include <torch/types.h>

#include <cstdint>

namespace oml {

// Row-major C[m,n] = op(A) op(B) + beta C on oneDNN's sgemm ('N' or 'T' per operand, leading
// dimensions in elements). Runs with libtorch's intra-op thread count: oneDNN's OpenMP kernels
// otherwise take the calling thread's own OpenMP setting. Throws std::runtime_error on failure.
void dnnl_sgemm_row_major(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// A 2-D [rows, cols] float32 view of `t` (its last dimension is `cols`) whose columns are adjacent,
// so it can be a GEMM operand without a copy; strided inputs such as x.narrow(1, 0, 1) or weight
// row slices stay views. Copies only when no such view exists.
torch::Tensor gemm_rows(const torch::Tensor& t, int64_t cols);

// The leading dimension of a gemm_rows() result (any value >= cols is valid for a single row).
int64_t gemm_leading_dim(const torch::Tensor& rows);

}  // namespace oml
