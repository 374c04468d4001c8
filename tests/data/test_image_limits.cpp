// Pillow's decompression-bomb guard (Image.MAX_IMAGE_PIXELS): warn above the limit, refuse above
// twice it, judged from the header before any pixel is allocated.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "data/blank_png.h"
#include "oml/common/errors.h"
#include "oml/data/image_header.h"
#include "oml/data/image_io.h"
#include "oml/data/image_limits.h"
#include "oml/data/loader.h"
#include "oml/data/transforms.h"

namespace oml {
namespace {

namespace fs = std::filesystem;
const std::string kImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> as_bytes(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

// Limits whose warnings land in `lines` instead of stderr.
ImageLimits capturing(int64_t max_pixels, std::vector<std::string>& lines) {
  ImageLimits limits;
  limits.max_pixels = max_pixels;
  limits.warn = [&lines](const std::string& line) { lines.push_back(line); };
  return limits;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(PixelLimit, DefaultIsPillowsMaxImagePixels) {
  EXPECT_EQ(ImageLimits{}.max_pixels, 89478485);
  EXPECT_EQ(kPillowMaxImagePixels, 1024 * 1024 * 1024 / 4 / 3);
}

TEST(PixelLimit, WarnsAboveOnceAndRefusesAboveTwiceTheLimit) {
  std::vector<std::string> warnings;
  const ImageLimits limits = capturing(100, warnings);
  check_image_pixels(10, 10, limits, "a.png");  // exactly the limit: silent, as in Pillow
  EXPECT_TRUE(warnings.empty());
  check_image_pixels(101, 1, limits, "b.png");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("warning: b.png: image is 101x1 = 101 pixels, above the limit of 100"),
            std::string::npos)
      << warnings[0];
  check_image_pixels(20, 10, limits, "c.png");  // exactly twice: still only a warning
  EXPECT_EQ(warnings.size(), 2u);
  const std::string error = error_of([&] { check_image_pixels(201, 1, limits, "d.png"); });
  EXPECT_NE(error.find("d.png: image is 201x1 = 201 pixels, more than twice the limit of 100 pixels"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("--max-image-pixels"), std::string::npos);
  EXPECT_EQ(warnings.size(), 2u);  // refused images are not also warned about
}

TEST(PixelLimit, ZeroMeansNoLimit) {
  std::vector<std::string> warnings;
  const ImageLimits limits = capturing(0, warnings);
  EXPECT_NO_THROW(check_image_pixels(0xFFFFFFFFLL, 0xFFFFFFFFLL, limits, "huge.png"));
  EXPECT_TRUE(warnings.empty());
}

TEST(PixelLimit, LargestHeaderSidesDoNotOverflow) {
  const std::string error = error_of([] { check_image_pixels(0xFFFFFFFFLL, 0xFFFFFFFFLL, {}, "x.tif"); });
  EXPECT_NE(error.find("4294967295x4294967295 = 18446744065119617025 pixels"), std::string::npos) << error;
}

TEST(ImageHeader, ReadsTheSizeOfEveryHeaderFormatItKnows) {
  const cv::Mat image(23, 37, CV_8UC3, cv::Scalar(10, 20, 30));
  for (const std::string extension : {".png", ".bmp", ".tiff", ".webp", ".ppm", ".pgm", ".pbm"}) {
    std::vector<uchar> encoded;
    cv::Mat source = image;
    if (extension == ".pgm" || extension == ".pbm") cv::extractChannel(image, source, 0);
    ASSERT_TRUE(cv::imencode(extension, source, encoded)) << extension;
    const auto dimensions = read_image_dimensions(encoded.data(), encoded.size());
    ASSERT_TRUE(dimensions.has_value()) << extension;
    EXPECT_EQ(dimensions->width, 37) << extension;
    EXPECT_EQ(dimensions->height, 23) << extension;
  }
}

TEST(ImageHeader, UnknownOrShortHeadersSayNothing) {
  const std::vector<uint8_t> jpeg = file_bytes(kImages + "board.jpg");  // libjpeg's business
  EXPECT_FALSE(read_image_dimensions(jpeg.data(), jpeg.size()).has_value());
  const std::string png = testing::blank_gray_png(5, 4);
  for (size_t cut = 0; cut < 24; ++cut) {
    EXPECT_FALSE(read_image_dimensions(reinterpret_cast<const uint8_t*>(png.data()), cut).has_value()) << cut;
  }
  const std::vector<uint8_t> text = as_bytes("label,path\n");
  EXPECT_FALSE(read_image_dimensions(text.data(), text.size()).has_value());
}

TEST(ImageHeader, TrueSizeWarnRangeHeaderIsReadWithoutDecoding) {
  // 10000 x 9000 = 90,000,000 pixels: just above Pillow's limit, well under twice it.
  const std::string png = testing::blank_gray_png(10000, 9000);
  const auto dimensions = read_image_dimensions(reinterpret_cast<const uint8_t*>(png.data()), png.size());
  ASSERT_TRUE(dimensions.has_value());
  EXPECT_EQ(dimensions->width, 10000);
  EXPECT_EQ(dimensions->height, 9000);
  std::vector<std::string> warnings;
  check_image_pixels(dimensions->width, dimensions->height, capturing(kPillowMaxImagePixels, warnings),
                     "big.png");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("big.png: image is 10000x9000 = 90000000 pixels, above the limit of 89478485"),
            std::string::npos)
      << warnings[0];
}

TEST(DecompressionBomb, PngIsRefusedFromItsHeaderAlone) {
  // Signature and IHDR of a 20000 x 20000 image and no pixel data at all: a decoder would call it
  // truncated, so the bomb message proves that no decoding was attempted.
  const std::string png = testing::blank_gray_png(20000, 20000).substr(0, 33);
  const std::string error = error_of([&] { decode_image_rgb(as_bytes(png), "bomb.png"); });
  EXPECT_NE(error.find("bomb.png: image is 20000x20000 = 400000000 pixels, more than twice the limit of "
                       "89478485 pixels"),
            std::string::npos)
      << error;
  EXPECT_NE(error_of([&] { decode_image_rgb_cv2(as_bytes(png), "bomb.png"); }).find("20000x20000"),
            std::string::npos);
}

TEST(DecompressionBomb, JpegIsRefusedAfterLibjpegReadsTheHeader) {
  std::vector<uint8_t> jpeg = file_bytes(kImages + "board.jpg");
  // Patch the frame header (SOF0..SOF2) to 60000 x 60000; the scan data stays the small image's.
  bool patched = false;
  for (size_t i = 2; i + 9 < jpeg.size() && !patched; ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] >= 0xC0 && jpeg[i + 1] <= 0xC2) {
      jpeg[i + 5] = jpeg[i + 7] = 60000 >> 8;
      jpeg[i + 6] = jpeg[i + 8] = 60000 & 0xFF;
      patched = true;
    }
  }
  ASSERT_TRUE(patched);
  const std::string error = error_of([&] { decode_image_rgb(jpeg, "bomb.jpg"); });
  EXPECT_NE(error.find("bomb.jpg: image is 60000x60000 = 3600000000 pixels, more than twice the limit"),
            std::string::npos)
      << error;
  EXPECT_NE(error_of([&] { decode_image_rgb_cv2(jpeg, "bomb.jpg"); }).find("60000x60000"), std::string::npos);
}

TEST(DecompressionBomb, LoweredLimitWarnsThenDecodesOrRefusesEveryFormat) {
  // 96 x 72 = 6912 pixels in each of these fixtures.
  for (const std::string name : {"photo.bmp", "rgba.png", "gray.jpg"}) {
    std::vector<std::string> warnings;
    const ImageRGB8 image = read_image_rgb(kImages + name, capturing(5000, warnings));
    EXPECT_EQ(image.width, 96) << name;
    EXPECT_EQ(image.height, 72) << name;
    ASSERT_EQ(warnings.size(), 1u) << name;  // once, although header and decode are both judged
    EXPECT_NE(warnings[0].find(name + ": image is 96x72 = 6912 pixels, above the limit of 5000"),
              std::string::npos)
        << warnings[0];
    const std::string error = error_of([&] { read_image_rgb(kImages + name, capturing(3000, warnings)); });
    EXPECT_NE(error.find(name + ": image is 96x72 = 6912 pixels, more than twice the limit of 3000"),
              std::string::npos)
        << error;
    EXPECT_NE(error_of([&] { read_image_rgb_cv2(kImages + name, capturing(3000, warnings)); }).find("96x72"),
              std::string::npos)
        << name;
  }
}

TEST(DecompressionBomb, CropBoxIsJudgedAsPillowsCropDoes) {
  const ImageRGB8 image = read_image_rgb(kImages + "rgba.png");
  std::vector<std::string> warnings;
  const BoundingBox box{0, 0, 100, 100};  // x1, y1, x2, y2: 100 x 100 = 10000 pixels
  const std::string error = error_of([&] { crop_pil(image, box, capturing(4000, warnings)); });
  EXPECT_NE(error.find("crop to the bounding box: image is 100x100 = 10000 pixels"), std::string::npos)
      << error;
  EXPECT_EQ(crop_pil(image, box, capturing(6000, warnings)).width, 100);
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(DecompressionBomb, ExtractLoaderRefusesTheRealBombNamingTheRow) {
  const fs::path dir = fs::temp_directory_path() / ("oml_test_bomb_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string bomb = (dir / "bomb.png").string();
  testing::write_blank_gray_png(bomb, 20000, 20000);
  EXPECT_LT(fs::file_size(bomb), 1u << 20);  // a real decompression bomb: under 1 MB on disk
  std::vector<ImageLoadItem> items = {{kImages + "rgba.png", std::nullopt, "df.csv:2"},
                                      {bomb, std::nullopt, "df.csv:3"}};
  ImageBatchLoader loader(std::move(items), TransformSpec::squash(16), 2, 2, ImageLimits{});
  const std::string error = error_of([&] { loader.next(); });
  EXPECT_NE(error.find("df.csv:3: " + bomb + ": image is 20000x20000 = 400000000 pixels"), std::string::npos)
      << error;
  fs::remove_all(dir);
}

TEST(DecompressionBomb, LoaderWarningsReachTheCallbackFromEveryThread) {
  std::mutex mutex;
  std::vector<std::string> warnings;
  ImageLimits limits;
  limits.max_pixels = 5000;
  limits.warn = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    warnings.push_back(line);
  };
  std::vector<ImageLoadItem> items;
  for (int i = 0; i < 8; ++i) items.push_back({kImages + "photo.bmp", std::nullopt, ""});
  ImageBatchLoader loader(std::move(items), TransformSpec::squash(16), 4, 3, limits);
  size_t images = 0;
  while (auto batch = loader.next()) images += batch->count;
  EXPECT_EQ(images, 8u);
  EXPECT_EQ(warnings.size(), 8u);
}

}  // namespace
}  // namespace oml
