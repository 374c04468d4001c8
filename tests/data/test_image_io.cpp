// Decoding must give PIL 9.4's Image.open(...).convert("RGB") bytes (spec §2.1). References come
// from tests/fixtures/make_pil_fixtures.py (manifest.tsv: decode <image> <png|-|error> w h fnv).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "oml/common/errors.h"
#include "oml/data/image_io.h"

namespace oml {
namespace {

const std::string kImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";
const std::string kPil = std::string(OML_SOURCE_DIR) + "/tests/fixtures/pil/";

struct DecodeCase {
  std::string image;
  std::string reference;  // PNG of PIL's result, "-" (hash only) or "error"
  int width = 0;
  int height = 0;
  std::string fnv;
};

std::vector<DecodeCase> decode_cases() {
  std::ifstream manifest(kPil + "manifest.tsv");
  std::vector<DecodeCase> cases;
  std::string line;
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string kind;
    DecodeCase c;
    fields >> kind >> c.image >> c.reference;
    if (kind != "decode") continue;
    if (c.reference != "error") fields >> c.width >> c.height >> c.fnv;
    cases.push_back(c);
  }
  return cases;
}

std::string fnv1a64_hex(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001B3ull;
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(h));
  return text;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> encode_png(const cv::Mat& mat) {
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(".png", mat, bytes));
  return bytes;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

TEST(ImageIo, EveryFixtureMatchesPil) {
  const std::vector<DecodeCase> cases = decode_cases();
  ASSERT_GE(cases.size(), 25u);
  int compared_pixels = 0;
  for (const DecodeCase& c : cases) {
    SCOPED_TRACE(c.image);
    const std::string path = kImages + c.image;
    if (c.reference == "error") {
      EXPECT_NE(error_of([&] { read_image_rgb(path); }).find(path), std::string::npos);
      continue;
    }
    if (c.image == "photo.gif") {  // PIL reads GIF; OpenCV cannot: a clear error instead
      EXPECT_NE(error_of([&] { read_image_rgb(path); }).find("GIF"), std::string::npos);
      continue;
    }
    const ImageRGB8 image = read_image_rgb(path);
    ASSERT_EQ(image.width, c.width);
    ASSERT_EQ(image.height, c.height);
    EXPECT_EQ(fnv1a64_hex(image.pixels), c.fnv);
    if (c.reference == "-") continue;
    const ImageRGB8 pil = read_image_rgb(kPil + c.reference);  // 8-bit RGB PNG: plain bytes
    ASSERT_EQ(pil.pixels.size(), image.pixels.size());
    int max_diff = 0;
    for (size_t i = 0; i < pil.pixels.size(); ++i)
      max_diff = std::max(max_diff, std::abs(pil.pixels[i] - image.pixels[i]));
    EXPECT_EQ(max_diff, 0);
    compared_pixels += image.width * image.height;
  }
  EXPECT_GT(compared_pixels, 100000);
}

TEST(ImageIo, CmykGoldenUsesPilFormula) {
  const ImageRGB8 image = read_image_rgb(kImages + "cmyk_flat.jpg");
  ASSERT_EQ(image.width, 16);
  const uint8_t* p = image.at(5, 7);
  EXPECT_EQ(p[0], 77);
  EXPECT_EQ(p[1], 102);
  EXPECT_EQ(p[2], 115);
}

TEST(ImageIoCv2Reader, MatchesOpenCvIncludingItsCmykFormula) {
  for (const char* name : {"cmyk.jpg", "board.jpg", "palette_trns.png", "rgba.png", "gray.png"}) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> bytes = file_bytes(kImages + name);
    cv::Mat bgr = cv::imdecode(bytes, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    const ImageRGB8 ours = read_image_rgb_cv2(kImages + name);
    ASSERT_EQ(ours.width, bgr.cols);
    ASSERT_EQ(ours.height, bgr.rows);
    for (int y = 0; y < bgr.rows; ++y) {
      for (int x = 0; x < bgr.cols; ++x) {
        const cv::Vec3b v = bgr.at<cv::Vec3b>(y, x);
        ASSERT_EQ(ours.at(y, x)[0], v[2]);
        ASSERT_EQ(ours.at(y, x)[1], v[1]);
        ASSERT_EQ(ours.at(y, x)[2], v[0]);
      }
    }
  }
  const ImageRGB8 flat = read_image_rgb_cv2(kImages + "cmyk_flat.jpg");  // PIL gives (77,102,115)
  EXPECT_EQ(flat.at(3, 3)[0], 78);
  EXPECT_EQ(flat.at(3, 3)[1], 103);
  EXPECT_EQ(flat.at(3, 3)[2], 115);
  EXPECT_NE(error_of([&] { read_image_rgb_cv2(kImages + "gray16.png"); }).find("16-bit"), std::string::npos);
  EXPECT_NE(error_of([&] { read_image_rgb_cv2(kImages + "truncated.jpg"); }).find("truncated"),
            std::string::npos);
}

TEST(ImageIo, Gray16IsClippedNotScaled) {
  cv::Mat gray(1, 6, CV_16UC1);
  const uint16_t values[] = {0, 100, 255, 256, 1000, 65535};
  const uint8_t expected[] = {0, 100, 255, 255, 255, 255};
  for (int x = 0; x < 6; ++x) gray.at<uint16_t>(0, x) = values[x];
  const ImageRGB8 image = decode_image_rgb(encode_png(gray), "gray16");
  for (int x = 0; x < 6; ++x) {
    EXPECT_EQ(image.at(0, x)[0], expected[x]);
    EXPECT_EQ(image.at(0, x)[2], expected[x]);
  }
}

TEST(ImageIo, Rgb16KeepsHighByte) {
  cv::Mat rgb(1, 3, CV_16UC3);  // OpenCV order is BGR
  const int triples[3][3] = {{0, 255, 256}, {511, 65535, 32768}, {383, 384, 65280}};
  const int expected[3][3] = {{0, 0, 1}, {1, 255, 128}, {1, 1, 255}};
  for (int x = 0; x < 3; ++x) {
    rgb.at<cv::Vec3w>(0, x) = cv::Vec3w(triples[x][2], triples[x][1], triples[x][0]);
  }
  const ImageRGB8 image = decode_image_rgb(encode_png(rgb), "rgb16");
  for (int x = 0; x < 3; ++x) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(image.at(0, x)[c], expected[x][c]) << x << "," << c;
  }
}

TEST(ImageIo, AlphaDroppedWithoutCompositing) {
  cv::Mat bgra(1, 2, CV_8UC4);
  bgra.at<cv::Vec4b>(0, 0) = cv::Vec4b(30, 20, 10, 0);  // fully transparent keeps its colour
  bgra.at<cv::Vec4b>(0, 1) = cv::Vec4b(3, 2, 1, 128);
  const ImageRGB8 image = decode_image_rgb(encode_png(bgra), "rgba");
  EXPECT_EQ(std::vector<uint8_t>(image.pixels.begin(), image.pixels.end()),
            (std::vector<uint8_t>{10, 20, 30, 1, 2, 3}));
}

TEST(ImageIo, ExifOrientationIgnored) {
  const ImageRGB8 image = read_image_rgb(kImages + "exif_rotated.jpg");  // orientation 6 stored
  EXPECT_EQ(image.width, 96);
  EXPECT_EQ(image.height, 72);
}

TEST(ImageIo, JpegWithoutEndMarkerIsTruncatedAsInPil) {
  std::vector<uint8_t> bytes = file_bytes(kImages + "board.jpg");
  ASSERT_EQ(bytes[bytes.size() - 2], 0xFF);
  ASSERT_EQ(bytes[bytes.size() - 1], 0xD9);
  const ImageRGB8 whole = decode_image_rgb(bytes, "board");

  std::vector<uint8_t> with_garbage = bytes;  // bytes after EOI are ignored (PIL too)
  with_garbage.insert(with_garbage.end(), {'j', 'u', 'n', 'k'});
  EXPECT_EQ(decode_image_rgb(with_garbage, "board+junk").pixels, whole.pixels);

  bytes.resize(bytes.size() - 2);
  const std::string message = error_of([&] { decode_image_rgb(bytes, "board-no-eoi.jpg"); });
  EXPECT_NE(message.find("board-no-eoi.jpg"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(ImageIo, BrokenFilesNameThePath) {
  const std::string missing = kImages + "does_not_exist.jpg";
  EXPECT_NE(error_of([&] { read_image_rgb(missing); }).find(missing), std::string::npos);
  EXPECT_NE(error_of([&] { read_image_rgb(kImages + "empty.jpg"); }).find("empty"), std::string::npos);
  EXPECT_NE(error_of([&] { read_image_rgb(kImages + "truncated.jpg"); }).find("truncated"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_image_rgb(kImages + "truncated.png"); }).find("truncated.png"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_image_rgb(kImages + "not_an_image.jpg"); }).find("not_an_image.jpg"),
            std::string::npos);
}

TEST(ImageIo, EveryTruncationPointIsAnErrorNeverACrash) {
  for (const char* name : {"board.jpg", "f3_420_progressive.jpg", "gray.png", "rgb16.png", "photo.bmp"}) {
    const std::vector<uint8_t> bytes = file_bytes(kImages + name);
    for (int step = 1; step < 40; ++step) {
      const size_t cut = bytes.size() * step / 40;
      SCOPED_TRACE(std::string(name) + " cut at " + std::to_string(cut));
      const std::vector<uint8_t> head(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
      EXPECT_THROW(decode_image_rgb(head, name), InputError);
    }
  }
}

TEST(ImageIo, CorruptJpegDataNeverCrashes) {
  // Damaged entropy-coded data: libjpeg may recover (PIL then gives an image too) or fail; either
  // way the answer is an image of the stored size or an InputError.
  const std::vector<uint8_t> bytes = file_bytes(kImages + "f3_422.jpg");
  int decoded = 0;
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<uint8_t> damaged = bytes;
    for (int k = 0; k < 8; ++k)
      damaged[(bytes.size() / 3 + trial * 211 + k * 977) % (bytes.size() - 2)] ^= 0x5A;
    try {
      const ImageRGB8 image = decode_image_rgb(damaged, "damaged.jpg");
      EXPECT_EQ(image.width, 160);
      EXPECT_EQ(image.height, 120);
      ++decoded;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("damaged.jpg"), std::string::npos);
    }
  }
  RecordProperty("decoded", decoded);
}

}  // namespace
}  // namespace oml
