// Crop, ToTensor/Normalize and the squash/hypvit recipes (spec §2.2, §2.4, §2.5). The recipe
// references are torchvision 0.14 tensors from tests/fixtures/make_pil_fixtures.py.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "oml/common/errors.h"
#include "oml/data/image_io.h"
#include "oml/data/transforms.h"

namespace oml {
namespace {

const std::string kImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";
const std::string kPil = std::string(OML_SOURCE_DIR) + "/tests/fixtures/pil/";

ImageRGB8 filled(int width, int height, uint8_t value) {
  ImageRGB8 image;
  image.width = width;
  image.height = height;
  image.pixels.assign(static_cast<size_t>(width) * height * 3, value);
  return image;
}

// Row y, column x holds (y, x, 7): offsets of crops can be read back from the pixels.
ImageRGB8 coordinates(int width, int height) {
  ImageRGB8 image = filled(width, height, 0);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at(y, x)[0] = static_cast<uint8_t>(y);
      image.at(y, x)[1] = static_cast<uint8_t>(x);
      image.at(y, x)[2] = 7;
    }
  }
  return image;
}

TEST(CropPil, GoldenPadsBlackOutside) {
  const ImageRGB8 crop = crop_pil(filled(4, 4, 200), BoundingBox{-2, -2, 6, 3});
  ASSERT_EQ(crop.width, 8);
  ASSERT_EQ(crop.height, 5);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 8; ++x) EXPECT_EQ(crop.at(y, x)[0], 0);
  }
  const std::vector<int> row2 = {0, 0, 200, 200, 200, 200, 0, 0};
  for (int x = 0; x < 8; ++x) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(crop.at(2, x)[c], row2[x]) << x;
  }
}

TEST(CropPil, InsideBoxCopiesPixelsRightBottomExclusive) {
  const ImageRGB8 crop = crop_pil(coordinates(10, 8), BoundingBox{3, 2, 7, 5});  // x1,y1,x2,y2
  ASSERT_EQ(crop.width, 4);
  ASSERT_EQ(crop.height, 3);
  EXPECT_EQ(crop.at(0, 0)[0], 2);
  EXPECT_EQ(crop.at(0, 0)[1], 3);
  EXPECT_EQ(crop.at(2, 3)[0], 4);
  EXPECT_EQ(crop.at(2, 3)[1], 6);
}

TEST(CropPil, BoxEntirelyOutsideIsBlack) {
  const ImageRGB8 crop = crop_pil(filled(4, 4, 9), BoundingBox{10, 10, 13, 12});
  EXPECT_EQ(crop.width, 3);
  for (uint8_t v : crop.pixels) EXPECT_EQ(v, 0);
}

TEST(CropPil, EmptyBoxIsAnInputError) {
  EXPECT_THROW(crop_pil(filled(4, 4, 9), BoundingBox{2, 0, 2, 3}), InputError);
  EXPECT_THROW(crop_pil(filled(4, 4, 9), BoundingBox{0, 3, 2, 1}), InputError);
}

TEST(ToNormalizedTensor, ImageNetGoldens) {
  ImageRGB8 image = filled(3, 1, 0);
  for (int c = 0; c < 3; ++c) {
    image.at(0, 1)[c] = 128;
    image.at(0, 2)[c] = 255;
  }
  const ImageTensorCHW t = to_normalized_tensor(image);
  const double goldens[3][3] = {// [value index][channel]
                                {-2.1179039478302, -2.0357141494750977, -1.804444432258606},
                                {0.07406462728977203, 0.20518219470977783, 0.4264925718307495},
                                {2.248908281326294, 2.4285714626312256, 2.640000104904175}};
  for (int c = 0; c < 3; ++c) {
    for (int x = 0; x < 3; ++x) {
      // The goldens are float32 values printed as doubles: exact equality after rounding.
      EXPECT_EQ(t.values[c * 3 + x], static_cast<float>(goldens[x][c])) << "c=" << c << " x=" << x;
    }
  }
}

TEST(ToNormalizedTensor, ToTensorIsATrueDivision) {
  ImageRGB8 image = filled(256, 1, 0);
  for (int v = 0; v < 256; ++v) image.at(0, v)[0] = static_cast<uint8_t>(v);
  const ImageTensorCHW t = to_normalized_tensor(image, {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0});
  int differs_from_reciprocal = 0;
  for (int v = 0; v < 256; ++v) {
    EXPECT_EQ(t.values[v], static_cast<float>(v) / 255.0f);
    differs_from_reciprocal += t.values[v] != static_cast<float>(v) * (1.0f / 255.0f);
  }
  EXPECT_EQ(differs_from_reciprocal, 126);  // spec §2.4: x(1/255) differs for 126 values
}

TEST(ResizeShorterSide, LongSideIsTruncated) {
  const ImageRGB8 a = resize_shorter_side(filled(200, 300, 1), 224, ResampleFilter::kBicubic);
  EXPECT_EQ(a.height, 336);
  EXPECT_EQ(a.width, 224);
  const ImageRGB8 b = resize_shorter_side(filled(199, 300, 1), 224, ResampleFilter::kBicubic);
  EXPECT_EQ(b.height, 337);  // 224 * 300 / 199 = 337.68
  EXPECT_EQ(b.width, 224);
  const ImageRGB8 wide = resize_shorter_side(filled(300, 199, 1), 224, ResampleFilter::kBicubic);
  EXPECT_EQ(wide.width, 337);
  EXPECT_EQ(wide.height, 224);
}

TEST(CenterCrop, OffsetsRoundHalfToEven) {
  // (337 - 224) / 2 = 56.5 -> 56; (339 - 224) / 2 = 57.5 -> 58; rows encode their index.
  const ImageRGB8 a = center_crop(coordinates(230, 337), 224, 224);
  EXPECT_EQ(a.at(0, 0)[0], 56);
  EXPECT_EQ(a.at(0, 0)[1], 3);  // (230 - 224) / 2 = 3 exactly
  const ImageRGB8 b = center_crop(coordinates(224, 339), 224, 224);
  EXPECT_EQ(b.at(0, 0)[0], 58);
  EXPECT_EQ(b.at(0, 0)[1], 0);
}

TEST(CenterCrop, ShortSideIsZeroPaddedFloorBeforeCeilAfter) {
  // Height 5 -> 10: 2 rows before, 3 after; width 12 -> 10 cropped at offset 1.
  const ImageRGB8 out = center_crop(coordinates(12, 5), 10, 10);
  ASSERT_EQ(out.height, 10);
  ASSERT_EQ(out.width, 10);
  EXPECT_EQ(out.at(1, 0)[2], 0);
  EXPECT_EQ(out.at(2, 0)[2], 7);
  EXPECT_EQ(out.at(2, 0)[0], 0);
  EXPECT_EQ(out.at(2, 0)[1], 1);
  EXPECT_EQ(out.at(6, 9)[0], 4);
  EXPECT_EQ(out.at(7, 9)[2], 0);
}

TEST(ApplyTransform, MatchesTorchvisionExactly) {
  std::ifstream manifest(kPil + "manifest.tsv");
  std::string line;
  int cases = 0;
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string kind, image, reference, recipe;
    int size = 0, crop = 0, height = 0, width = 0;
    fields >> kind >> image >> reference >> recipe >> size >> crop >> height >> width;
    if (kind != "recipe") continue;
    SCOPED_TRACE(line);
    const TransformSpec spec =
        recipe == "squash" ? TransformSpec::squash(size) : TransformSpec::hypvit(size, crop);
    const ImageTensorCHW ours = apply_transform(read_image_rgb(kImages + image), spec);
    ASSERT_EQ(ours.height, height);
    ASSERT_EQ(ours.width, width);
    EXPECT_EQ(spec.output_height(), height);
    std::vector<float> expected(static_cast<size_t>(3) * height * width);
    std::ifstream data(kPil + reference, std::ios::binary);
    data.read(reinterpret_cast<char*>(expected.data()), static_cast<std::streamsize>(expected.size() * 4));
    ASSERT_TRUE(data.good());
    float max_diff = 0.0f;
    for (size_t i = 0; i < expected.size(); ++i)
      max_diff = std::max(max_diff, std::fabs(expected[i] - ours.values[i]));
    EXPECT_EQ(max_diff, 0.0f);
    ++cases;
  }
  EXPECT_GE(cases, 5);
}

TEST(LoadTransformed, CropsBeforeResizing) {
  const std::string path = kImages + "flower.jpg";
  const BoundingBox box{10, 20, 110, 70};
  const ImageTensorCHW loaded = load_transformed(path, box, TransformSpec::squash(32));
  const ImageTensorCHW manual =
      apply_transform(crop_pil(read_image_rgb(path), box), TransformSpec::squash(32));
  EXPECT_EQ(loaded.values, manual.values);
  const ImageTensorCHW full = load_transformed(path, std::nullopt, TransformSpec::squash(32));
  EXPECT_NE(full.values, loaded.values);
}

TEST(LoadTransformed, BadBoxMessageNamesThePath) {
  const std::string path = kImages + "flower.jpg";
  try {
    load_transformed(path, BoundingBox{5, 5, 5, 9}, TransformSpec::squash(8));
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// The albu recipe is *to verify* against albumentations (not installed here): these tests pin
// the spec's formulas, and the cv2 reader against OpenCV itself.
TEST(AlbuRecipe, LongestSideToSizeThenWhitePadding) {
  const ImageRGB8 out = albu_resize_and_pad(coordinates(300, 200), 224);  // 200 * 224/300 = 149.3
  ASSERT_EQ(out.width, 224);
  ASSERT_EQ(out.height, 224);
  // (224 - 149) / 2 = 37 white rows before, 38 after.
  EXPECT_EQ(out.at(36, 100)[2], 255);
  EXPECT_EQ(out.at(37, 100)[2], 7);
  EXPECT_EQ(out.at(185, 100)[2], 7);
  EXPECT_EQ(out.at(186, 100)[2], 255);
}

TEST(AlbuRecipe, NewSideRoundsHalfToEven) {
  // scale 16/256 is exact: 40 -> 2.5 -> 2 and 56 -> 3.5 -> 4, then padded to 16.
  const ImageRGB8 a = albu_resize_and_pad(filled(256, 40, 9), 16);
  EXPECT_EQ(a.at(6, 0)[0], 255);
  EXPECT_EQ(a.at(7, 0)[0], 9);
  EXPECT_EQ(a.at(8, 0)[0], 9);
  EXPECT_EQ(a.at(9, 0)[0], 255);
  const ImageRGB8 b = albu_resize_and_pad(filled(256, 56, 9), 16);
  EXPECT_EQ(b.at(5, 0)[0], 255);
  EXPECT_EQ(b.at(6, 0)[0], 9);
  EXPECT_EQ(b.at(9, 0)[0], 9);
  EXPECT_EQ(b.at(10, 0)[0], 255);
}

TEST(AlbuRecipe, NormalizeMultipliesByTheReciprocal) {
  ImageRGB8 image = filled(3, 1, 0);
  for (int c = 0; c < 3; ++c) {
    image.at(0, 1)[c] = 128;
    image.at(0, 2)[c] = 255;
  }
  const ImageTensorCHW t = to_albu_normalized_tensor(image);
  // numpy float32: (v - mean * 255) * reciprocal(std * 255), as albumentations computes it.
  const double expected[3][3] = {{-2.1179039478302, -2.0357141494750977, -1.804444432258606},
                                 {0.07406450808048248, 0.20518207550048828, 0.4264923930168152},
                                 {2.248908281326294, 2.4285712242126465, 2.6399998664855957}};
  for (int c = 0; c < 3; ++c) {
    for (int x = 0; x < 3; ++x) EXPECT_EQ(t.values[c * 3 + x], static_cast<float>(expected[x][c])) << c << x;
  }
  // torchvision's division differs in the last bit for v = 128 (spec §2.4 vs §2.5).
  EXPECT_NE(t.values[1], to_normalized_tensor(image).values[1]);
}

TEST(AlbuRecipe, LoadUsesTheCv2ReaderAndGivesSizeBySize) {
  const ImageTensorCHW t = load_transformed(kImages + "f3_422.jpg", std::nullopt, TransformSpec::albu(64));
  EXPECT_EQ(t.height, 64);
  EXPECT_EQ(t.width, 64);
  EXPECT_EQ(TransformSpec::albu(64).output_height(), 64);
  EXPECT_EQ(t.values[0], to_albu_normalized_tensor(filled(1, 1, 255)).values[0]);  // white pad at (0, 0)
}

TEST(TransformSpec, Describe) {
  EXPECT_EQ(TransformSpec::squash(224).describe(), "squash(224)");
  EXPECT_EQ(TransformSpec::hypvit(256, 224).describe(), "hypvit(256,224)");
  EXPECT_EQ(TransformSpec::hypvit(256, 224).output_height(), 224);
  EXPECT_EQ(TransformSpec::albu(224).describe(), "albu(224)");
}

}  // namespace
}  // namespace oml
