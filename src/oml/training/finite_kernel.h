#pragma once
#include <cstdint>

namespace oml::training {

// True when none of `count` contiguous floats is NaN or infinite. Integer tests of the bits OR-ed
// together, written to be vectorised (no libm call, no float reduction whose order matters).
bool all_finite(const float* data, int64_t count);

}  // namespace oml::training
