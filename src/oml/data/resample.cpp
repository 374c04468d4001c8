#include "oml/data/resample.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace oml {
namespace {

double bilinear_weight(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Keys' cubic, a = -0.5, evaluated in Horner form: the evaluation order decides the last bits of
// the double weights, and Pillow's bit-exactness depends on them.
double bicubic_weight(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

double filter_radius(ResampleFilter filter) { return filter == ResampleFilter::kBilinear ? 1.0 : 2.0; }

double filter_weight(ResampleFilter filter, double x) {
  return filter == ResampleFilter::kBilinear ? bilinear_weight(x) : bicubic_weight(x);
}

uint8_t clip_fixed_point(int32_t accumulator) {
  const int32_t value = accumulator >> kResamplePrecisionBits;  // arithmetic shift = floor
  return static_cast<uint8_t>(std::clamp(value, 0, 255));
}

// Horizontal pass over source rows [row_begin, row_end): result has row_end - row_begin rows.
ImageRGB8 resample_horizontal(const ImageRGB8& in, const ResampleCoefficients& coeffs, int row_begin,
                              int row_end) {
  ImageRGB8 out;
  out.width = coeffs.out_size;
  out.height = row_end - row_begin;
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
  for (int y = 0; y < out.height; ++y) {
    const uint8_t* src_row = in.at(row_begin + y, 0);
    uint8_t* dst = out.at(y, 0);
    for (int o = 0; o < out.width; ++o, dst += 3) {
      const int32_t* k = coeffs.taps_of(o);
      const uint8_t* src = src_row + static_cast<size_t>(coeffs.start[o]) * 3;
      int32_t acc[3] = {1 << (kResamplePrecisionBits - 1), 1 << (kResamplePrecisionBits - 1),
                        1 << (kResamplePrecisionBits - 1)};
      for (int i = 0; i < coeffs.count[o]; ++i, src += 3) {
        acc[0] += src[0] * k[i];
        acc[1] += src[1] * k[i];
        acc[2] += src[2] * k[i];
      }
      dst[0] = clip_fixed_point(acc[0]);
      dst[1] = clip_fixed_point(acc[1]);
      dst[2] = clip_fixed_point(acc[2]);
    }
  }
  return out;
}

// Vertical pass; `row_offset` is the source row held in in's row 0 (the horizontal pass only
// produced the rows this pass reads).
ImageRGB8 resample_vertical(const ImageRGB8& in, const ResampleCoefficients& coeffs, int row_offset) {
  ImageRGB8 out;
  out.width = in.width;
  out.height = coeffs.out_size;
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
  const size_t row_stride = static_cast<size_t>(in.width) * 3;
  for (int o = 0; o < out.height; ++o) {
    const int32_t* k = coeffs.taps_of(o);
    const uint8_t* first_row = in.at(coeffs.start[o] - row_offset, 0);
    uint8_t* dst = out.at(o, 0);
    for (size_t s = 0; s < row_stride; ++s) {
      int32_t acc = 1 << (kResamplePrecisionBits - 1);
      const uint8_t* src = first_row + s;
      for (int i = 0; i < coeffs.count[o]; ++i, src += row_stride) acc += *src * k[i];
      dst[s] = clip_fixed_point(acc);
    }
  }
  return out;
}

}  // namespace

ResampleCoefficients compute_resample_coefficients(int in_size, int out_size, ResampleFilter filter,
                                                   double box_begin, double box_end) {
  if (in_size <= 0 || out_size <= 0) {
    throw std::invalid_argument("resample: sizes must be positive, got " + std::to_string(in_size) + " -> " +
                                std::to_string(out_size));
  }
  if (box_end < 0.0) box_end = in_size;
  const double scale = (box_end - box_begin) / out_size;
  const double filter_scale = std::max(scale, 1.0);  // the kernel widens when downscaling
  const double support = filter_radius(filter) * filter_scale;
  const double inverse_filter_scale = 1.0 / filter_scale;

  ResampleCoefficients coeffs;
  coeffs.in_size = in_size;
  coeffs.out_size = out_size;
  coeffs.max_taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  coeffs.start.resize(out_size);
  coeffs.count.resize(out_size);
  coeffs.taps.assign(static_cast<size_t>(out_size) * coeffs.max_taps, 0);
  std::vector<double> weights(coeffs.max_taps);
  for (int o = 0; o < out_size; ++o) {
    const double center = box_begin + (o + 0.5) * scale;
    // static_cast truncates toward zero, as Pillow's (int) casts do.
    const int lo = std::max(0, static_cast<int>(center - support + 0.5));
    const int hi = std::min(in_size, static_cast<int>(center + support + 0.5));
    const int count = std::max(0, std::min(hi - lo, coeffs.max_taps));
    double sum = 0.0;
    for (int i = 0; i < count; ++i) {
      weights[i] = filter_weight(filter, (i + lo - center + 0.5) * inverse_filter_scale);
      sum += weights[i];
    }
    int32_t* k = coeffs.taps.data() + static_cast<size_t>(o) * coeffs.max_taps;
    for (int i = 0; i < count; ++i) {
      const double w = sum != 0.0 ? weights[i] / sum : weights[i];
      constexpr double one = static_cast<double>(1 << kResamplePrecisionBits);
      k[i] = static_cast<int32_t>(w < 0.0 ? std::trunc(w * one - 0.5) : std::trunc(w * one + 0.5));
    }
    coeffs.start[o] = lo;
    coeffs.count[o] = count;
  }
  return coeffs;
}

ImageRGB8 resize_pillow(const ImageRGB8& image, int out_width, int out_height, ResampleFilter filter) {
  if (out_width <= 0 || out_height <= 0) {
    throw std::invalid_argument("resize: output size must be positive, got " + std::to_string(out_width) +
                                "x" + std::to_string(out_height));
  }
  if (image.width <= 0 || image.height <= 0) throw std::invalid_argument("resize: empty input image");
  const bool need_horizontal = out_width != image.width;
  const bool need_vertical = out_height != image.height;
  if (!need_horizontal && !need_vertical) return image;
  if (!need_vertical) {
    return resample_horizontal(image, compute_resample_coefficients(image.width, out_width, filter), 0,
                               image.height);
  }
  const ResampleCoefficients vertical = compute_resample_coefficients(image.height, out_height, filter);
  if (!need_horizontal) return resample_vertical(image, vertical, 0);
  // Only the source rows some output row reads go through the horizontal pass.
  const int first_row = vertical.start.front();
  const int end_row = vertical.start.back() + vertical.count.back();
  const ImageRGB8 horizontal = resample_horizontal(
      image, compute_resample_coefficients(image.width, out_width, filter), first_row, end_row);
  return resample_vertical(horizontal, vertical, first_row);
}

}  // namespace oml
