#pragma once
#include <torch/types.h>

#include <cstdint>

namespace oml {

// Whether the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX): only there is a bf16 GEMM
// faster than float32; elsewhere oneDNN would emulate it.
bool cpu_has_native_bf16();

// Row-major C[m,n] (float32) = op(A) op(B) with bfloat16 A and B and float32 accumulation, on
// oneDNN's matmul primitive ('N' or 'T' per operand, leading dimensions in elements). Primitives
// are cached per shape. Throws std::runtime_error when oneDNN has no implementation.
void dnnl_matmul_bf16(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const c10::BFloat16* a,
                      int64_t lda, const c10::BFloat16* b, int64_t ldb, float* c, int64_t ldc);

}  // namespace oml
