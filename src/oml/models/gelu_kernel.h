#pragma once
#include <cstdint>

namespace oml {

// Exact (erf) GELU, x * Phi(x), on `count` contiguous floats; out == in is allowed. Relative
// error ~1e-7 against the erf definition; no libm calls, so it vectorises.
void gelu_exact_kernel(const float* in, float* out, int64_t count);

// The backward of gelu_exact_kernel: out = grad * (Phi(x) + x phi(x)) for x = in, on `count`
// contiguous floats (absolute error ~2e-7 times |grad|); out may alias grad.
void gelu_exact_backward_kernel(const float* in, const float* grad, float* out, int64_t count);

}  // namespace oml
