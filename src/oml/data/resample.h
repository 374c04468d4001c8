#pragma once
#include <cstdint>
#include <vector>

#include "oml/data/image.h"

namespace oml {

// Pillow's antialiased filters (spec §2.3). BICUBIC is Keys' cubic with a = -0.5.
enum class ResampleFilter { kBilinear, kBicubic };

// Fixed-point taps of one axis: output o reads inputs start[o] .. start[o] + count[o] - 1 with the
// 22-fraction-bit weights taps[o * max_taps + i]. The integer taps need not sum to 2^22.
struct ResampleCoefficients {
  int in_size = 0;
  int out_size = 0;
  int max_taps = 0;
  std::vector<int> start;
  std::vector<int> count;
  std::vector<int32_t> taps;  // out_size * max_taps, zero past count[o]

  const int32_t* taps_of(int o) const { return taps.data() + static_cast<size_t>(o) * max_taps; }
};

constexpr int kResamplePrecisionBits = 22;

// Coefficients for resizing an axis of `in_size` samples to `out_size`, reading the source
// interval [box_begin, box_end) (the whole axis by default), exactly as Pillow 9.4 computes them.
ResampleCoefficients compute_resample_coefficients(int in_size, int out_size, ResampleFilter filter,
                                                   double box_begin = 0.0, double box_end = -1.0);

// Pillow's Image.resize((out_width, out_height), filter) on an RGB image, bit-exact: horizontal
// pass first, uint8 intermediate, an unchanged axis is not resampled. Throws std::invalid_argument
// for a non-positive output size or an empty input.
ImageRGB8 resize_pillow(const ImageRGB8& image, int out_width, int out_height, ResampleFilter filter);

}  // namespace oml
