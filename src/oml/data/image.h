#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace oml {

// 8-bit RGB image, rows of interleaved R,G,B (HWC), as PIL's convert("RGB") produces.
struct ImageRGB8 {
  int height = 0;
  int width = 0;
  std::vector<uint8_t> pixels;  // height * width * 3

  uint8_t* at(int y, int x) { return pixels.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* at(int y, int x) const { return pixels.data() + (static_cast<size_t>(y) * width + x) * 3; }
};

// Normalised float image, channel-major [3, H, W] (ToTensor + Normalize output).
struct ImageTensorCHW {
  int height = 0;
  int width = 0;
  std::vector<float> values;  // 3 * height * width
};

}  // namespace oml
