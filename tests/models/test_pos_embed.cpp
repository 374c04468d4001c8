#include <gtest/gtest.h>
#include <torch/torch.h>

#include "oml/models/pos_embed_interpolation.h"
#include "vit_fixtures.h"

namespace oml {
namespace {

TEST(DinoBicubicTaps, MatchSpecGoldensForFourRowsFromFourteen) {
  const auto taps = dino_bicubic_taps(14, 4);
  ASSERT_EQ(taps.size(), 4u);
  EXPECT_EQ(taps[0].index, (std::array<int64_t, 4>{0, 1, 2, 3}));
  const double row0[] = {-0.0977, 0.914432, 0.20882, -0.025552};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(taps[0].weight[k], row0[k], 5e-5) << k;
  EXPECT_EQ(taps[1].index, (std::array<int64_t, 4>{3, 4, 5, 6}));
  const double row1[] = {-0.066667, 0.430379, 0.745967, -0.109679};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(taps[1].weight[k], row1[k], 5e-6) << k;
}

TEST(DinoBicubicTaps, ClampTapsAtTheBorderAndSumToOne) {
  // 14 -> 20 upsamples: the first output's taps start at -1 and must be clamped to 0.
  const auto taps = dino_bicubic_taps(14, 20);
  EXPECT_EQ(taps.front().index[0], 0);
  EXPECT_EQ(taps.back().index[3], 13);
  for (const auto& tap : taps) {
    EXPECT_NEAR(tap.weight[0] + tap.weight[1] + tap.weight[2] + tap.weight[3], 1.0, 1e-12);
  }
}

TEST(DinoBicubicTaps, SameSizeIsNotIdentityBecauseOfThePointOneStep) {
  // 224x230 keeps 14x14 patches but DINO still resamples with step 14/14.1.
  const auto taps = dino_bicubic_taps(14, 14);
  EXPECT_EQ(taps[13].index[2], 13);
  EXPECT_LT(taps[13].weight[2], 0.99);
  EXPECT_GT(taps[13].weight[2], 0.9);
}

TEST(PosEmbedSkipRule, OnlyForTheStoredPatchCountAndSquarePixels) {
  EXPECT_TRUE(pos_embed_needs_no_resampling(14, 14, 14, 224, 224));
  EXPECT_TRUE(pos_embed_needs_no_resampling(14, 14, 14, 230, 230));
  EXPECT_FALSE(pos_embed_needs_no_resampling(14, 14, 14, 224, 230));
  EXPECT_FALSE(pos_embed_needs_no_resampling(14, 15, 14, 240, 224));
  EXPECT_FALSE(pos_embed_needs_no_resampling(14, 4, 4, 64, 64));
}

TEST(PosEmbedInterpolator, MatchesTorchInterpolateAsDinoCallsIt) {
  torch::set_num_threads(1);
  auto reference = testing::reference_tensors();
  torch::Tensor pos_embed;
  for (auto& [key, value] : read_state_dict(testing::vit_fixture("tiny.pth"))) {
    if (key == "pos_embed") pos_embed = value;
  }
  ASSERT_TRUE(pos_embed.defined());
  PosEmbedInterpolator interpolate(14);
  struct Size {
    int64_t height, width, tokens;
  };
  for (const Size size : {Size{64, 64, 17}, Size{128, 64, 33}, Size{96, 160, 61}, Size{224, 230, 197},
                          Size{240, 224, 211}, Size{230, 230, 197}, Size{448, 224, 393}}) {
    const std::string key = "pos_" + std::to_string(size.height) + "x" + std::to_string(size.width);
    const auto expected = reference.at(key);
    const auto got = interpolate(pos_embed, size.height / 16, size.width / 16, size.height, size.width)[0];
    ASSERT_EQ(got.size(0), size.tokens) << key;
    EXPECT_LE((got - expected).abs().max().item<float>(), 4e-6) << key;
  }
  // The skip branch returns the stored embeddings bit for bit.
  EXPECT_TRUE(torch::equal(interpolate(pos_embed, 14, 14, 230, 230), pos_embed));
}

}  // namespace
}  // namespace oml
