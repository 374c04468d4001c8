#include "oml/training/finite_kernel.h"

#include <cstdint>
#include <cstring>

namespace oml::training {

bool all_finite(const float* data, int64_t count) {
  // NaN and both infinities are exactly the floats whose 8 exponent bits are all set. Integer
  // tests vectorise; float comparisons do not here (they may raise FP exceptions).
  constexpr uint32_t kExponent = 0x7f800000u;
  uint32_t non_finite = 0;
  for (int64_t i = 0; i < count; ++i) {
    uint32_t bits;
    std::memcpy(&bits, data + i, sizeof bits);
    non_finite |= static_cast<uint32_t>((bits & kExponent) == kExponent);
  }
  return non_finite == 0;
}

}  // namespace oml::training
