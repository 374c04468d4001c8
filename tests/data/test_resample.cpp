// Pillow's resampler port (spec §2.3): coefficient goldens and bit-exact outputs against
// python3-pil 9.4 (tests/fixtures/make_pil_fixtures.py, manifest lines "resize ...").
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "oml/data/image_io.h"
#include "oml/data/resample.h"

namespace oml {
namespace {

const std::string kImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";
const std::string kPil = std::string(OML_SOURCE_DIR) + "/tests/fixtures/pil/";

std::vector<int32_t> taps(const ResampleCoefficients& coeffs, int o) {
  return std::vector<int32_t>(coeffs.taps_of(o), coeffs.taps_of(o) + coeffs.count[o]);
}

TEST(ResampleCoefficients, Downscale224To64Golden) {
  const ResampleCoefficients c = compute_resample_coefficients(224, 64, ResampleFilter::kBilinear);
  EXPECT_EQ(c.start[0], 0);
  const std::vector<int32_t> k = taps(c, 0);
  EXPECT_EQ(k, (std::vector<int32_t>{877878, 1268045, 1072961, 682794, 292626}));
  EXPECT_EQ(std::accumulate(k.begin(), k.end(), 0), 1 << 22);
}

TEST(ResampleCoefficients, Downscale640To64Golden) {
  const ResampleCoefficients c = compute_resample_coefficients(640, 64, ResampleFilter::kBilinear);
  EXPECT_EQ(c.start[0], 0);
  const std::vector<int32_t> k = taps(c, 0);
  ASSERT_EQ(k.size(), 15u);
  EXPECT_EQ(std::vector<int32_t>(k.begin(), k.begin() + 4),
            (std::vector<int32_t>{263642, 311577, 359512, 407447}));
  EXPECT_EQ(std::accumulate(k.begin(), k.end(), 0), 4194305);  // not 2^22: rounding per tap
}

TEST(ResampleCoefficients, Upscale32To64Golden) {
  const ResampleCoefficients c = compute_resample_coefficients(32, 64, ResampleFilter::kBilinear);
  EXPECT_EQ(c.start[0], 0);
  EXPECT_EQ(taps(c, 0), (std::vector<int32_t>{4194304}));
  EXPECT_EQ(c.start[1], 0);
  EXPECT_EQ(taps(c, 1), (std::vector<int32_t>{3145728, 1048576}));
  EXPECT_EQ(c.start[63], 31);
  EXPECT_EQ(taps(c, 63), (std::vector<int32_t>{4194304}));
}

TEST(ResampleCoefficients, BicubicHasNegativeLobesAndWiderSupport) {
  const ResampleCoefficients c = compute_resample_coefficients(100, 50, ResampleFilter::kBicubic);
  EXPECT_EQ(c.max_taps, 2 * 4 + 1);  // support 2 * scale 2 = 4
  const std::vector<int32_t> k = taps(c, 25);
  EXPECT_EQ(k.size(), 8u);
  EXPECT_LT(k.front(), 0);
  EXPECT_LT(k.back(), 0);
}

TEST(ResizePillow, MatchesPilBitExactly) {
  std::ifstream manifest(kPil + "manifest.tsv");
  std::string line;
  int cases = 0;
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string kind, image, reference, filter;
    int width = 0, height = 0;
    fields >> kind >> image >> reference >> width >> height >> filter;
    if (kind != "resize") continue;
    SCOPED_TRACE(line);
    const ImageRGB8 source = read_image_rgb(kImages + image);
    const ImageRGB8 ours = resize_pillow(
        source, width, height, filter == "bicubic" ? ResampleFilter::kBicubic : ResampleFilter::kBilinear);
    const ImageRGB8 pil = read_image_rgb(kPil + reference);
    ASSERT_EQ(ours.width, pil.width);
    ASSERT_EQ(ours.height, pil.height);
    int max_diff = 0;
    size_t differing = 0;
    for (size_t i = 0; i < pil.pixels.size(); ++i) {
      const int diff = std::abs(pil.pixels[i] - ours.pixels[i]);
      max_diff = std::max(max_diff, diff);
      differing += diff != 0;
    }
    EXPECT_EQ(max_diff, 0) << differing << " samples differ";
    ++cases;
  }
  EXPECT_GE(cases, 10);
}

ImageRGB8 gradient(int width, int height) {
  ImageRGB8 image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<size_t>(width) * height * 3);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>((i * 37) % 251);
  return image;
}

TEST(ResizePillow, SameSizeIsIdentity) {
  const ImageRGB8 image = gradient(17, 9);
  EXPECT_EQ(resize_pillow(image, 17, 9, ResampleFilter::kBicubic).pixels, image.pixels);
}

TEST(ResizePillow, UnchangedAxisIsNotResampled) {
  // Only the width changes: every output row depends on its own source row alone.
  const ImageRGB8 image = gradient(40, 6);
  const ImageRGB8 resized = resize_pillow(image, 13, 6, ResampleFilter::kBilinear);
  ImageRGB8 one_row = gradient(40, 1);
  std::copy_n(image.at(4, 0), 40 * 3, one_row.pixels.begin());
  const ImageRGB8 row_alone = resize_pillow(one_row, 13, 1, ResampleFilter::kBilinear);
  EXPECT_TRUE(std::equal(row_alone.pixels.begin(), row_alone.pixels.end(), resized.at(4, 0)));
}

TEST(ResizePillow, ConstantImageStaysConstant) {
  ImageRGB8 image = gradient(31, 23);
  std::fill(image.pixels.begin(), image.pixels.end(), 200);
  for (ResampleFilter filter : {ResampleFilter::kBilinear, ResampleFilter::kBicubic}) {
    const ImageRGB8 out = resize_pillow(image, 7, 50, filter);
    for (uint8_t v : out.pixels) ASSERT_EQ(v, 200);
  }
}

TEST(ResizePillow, RejectsEmptySizes) {
  const ImageRGB8 image = gradient(4, 4);
  EXPECT_THROW(resize_pillow(image, 0, 4, ResampleFilter::kBilinear), std::invalid_argument);
  EXPECT_THROW(resize_pillow(ImageRGB8{}, 4, 4, ResampleFilter::kBilinear), std::invalid_argument);
}

// Optional: random sizes (1-700 px, up and down, both filters) against the live python3-pil,
// when /usr/bin/python3 has it. OML_RESAMPLE_SEED picks another seed.
TEST(ResizePillow, RandomCasesAgainstLivePil) {
  const char* seed_env = std::getenv("OML_RESAMPLE_SEED");
  const std::string seed = seed_env ? seed_env : "2026";
  const std::string dir = std::string(OML_BINARY_DIR) + "/test_resample_random_" + seed;
  const std::string command = "/usr/bin/python3 -c 'import PIL, numpy' 2>/dev/null && /usr/bin/python3 " +
                              std::string(OML_SOURCE_DIR) +
                              "/tests/fixtures/make_pil_fixtures.py --random-resize " + dir + " " + seed +
                              " 24";
  if (std::system(command.c_str()) != 0) GTEST_SKIP() << "/usr/bin/python3 with PIL and numpy not available";
  std::ifstream cases(dir + "/cases.tsv");
  std::string line;
  int count = 0;
  while (std::getline(cases, line)) {
    std::istringstream fields(line);
    std::string source, reference, filter;
    int width = 0, height = 0;
    fields >> source >> reference >> width >> height >> filter;
    SCOPED_TRACE("seed " + seed + ": " + line);
    const ImageRGB8 ours =
        resize_pillow(read_image_rgb(dir + "/" + source), width, height,
                      filter == "bicubic" ? ResampleFilter::kBicubic : ResampleFilter::kBilinear);
    const ImageRGB8 pil = read_image_rgb(dir + "/" + reference);
    ASSERT_EQ(ours.width, pil.width);
    ASSERT_EQ(ours.height, pil.height);
    EXPECT_TRUE(ours.pixels == pil.pixels);
    ++count;
  }
  EXPECT_EQ(count, 24);
}

}  // namespace
}  // namespace oml
