#include "oml/models/gelu_kernel.h"

#include <cstring>

// Built with -march=native and without the module's precompiled torch header (CMakeLists.txt):
// the loop is plain arithmetic so the compiler vectorises it for this machine's widest SIMD.
namespace oml {
namespace {

// exp(x) for x in [-87, 0] without libm calls, so the loop below vectorises: x = n ln2 + r with
// |r| <= ln2/2, a degree-7 Taylor polynomial for e^r (error < 1e-8), 2^n built in the exponent bits.
inline float exp_non_positive(float x) {
  x = x < -87.0f ? -87.0f : x;
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2High = 0.693359375f;  // ln2 split so n * kLn2High is exact
  constexpr float kLn2Low = -2.12194440e-4f;
  constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = (x * kLog2e + kRoundMagic) - kRoundMagic;
  const float r = (x - n * kLn2High) - n * kLn2Low;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale = 0;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

// erfc(z) for z >= 0 by the Chebyshev fit of Numerical Recipes (fractional error < 1.2e-7).
inline float erfc_non_negative(float z) {
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return t * exp_non_positive(p - z * z);
}

}  // namespace

void gelu_exact_kernel(const float* in, float* out, int64_t count) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  for (int64_t i = 0; i < count; ++i) {
    const float x = in[i];
    const float z = x < 0 ? -x * kInvSqrt2 : x * kInvSqrt2;
    // gelu = x * Phi(x); Phi(x) = erfc(-x/sqrt2)/2, taken from the side where erfc is small.
    const float half_tail = 0.5f * erfc_non_negative(z);
    out[i] = x * (x < 0 ? half_tail : 1.0f - half_tail);
  }
}

void gelu_exact_with_derivative_kernel(const float* in, float* out, float* derivative, int64_t count) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  constexpr float kInvSqrt2Pi = 0.39894228040143268f;
  for (int64_t i = 0; i < count; ++i) {
    const float x = in[i];
    const float z = x < 0 ? -x * kInvSqrt2 : x * kInvSqrt2;
    // Abramowitz & Stegun 7.1.26: erfc(z) = t P(t) exp(-z^2), |error| <= 1.5e-7, whose exp(-z^2)
    // is also phi's: one exp per element, where gelu_exact_kernel's erfc alone takes one.
    const float t = 1.0f / (1.0f + 0.3275911f * z);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    const float gauss = exp_non_positive(-z * z);
    const float half_tail = 0.5f * t * p * gauss;
    const float cdf = x < 0 ? half_tail : 1.0f - half_tail;
    out[i] = x * cdf;
    derivative[i] = cdf + x * (kInvSqrt2Pi * gauss);
  }
}

}  // namespace oml
