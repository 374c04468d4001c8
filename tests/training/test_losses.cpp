#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "oml/training/losses.h"

namespace oml::training {
namespace {

class LossTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

// x0=(0,0), x1=(3,0) with label 0; x2=(0,4), x3=(6,8) with label 1. Distances: d01=3, d02=4,
// d03=10, d12=5, d13=sqrt(73), d23=sqrt(52). Hardest triplets: (0,1,2) 3 vs 4, (1,0,2) 3 vs 5,
// (2,3,0) sqrt(52) vs 4, (3,2,1) sqrt(52) vs sqrt(73).
torch::Tensor hand_features() {
  return torch::tensor({0.0f, 0.0f, 3.0f, 0.0f, 0.0f, 4.0f, 6.0f, 8.0f}).reshape({4, 2}).requires_grad_(true);
}
torch::Tensor hand_labels() { return torch::tensor({0, 0, 1, 1}, torch::kLong); }

TEST_F(LossTest, HardTripletLossValueAndGradient) {
  auto features = hand_features();
  TripletBatchStats stats;
  const auto loss =
      TripletLossWithMiner({0.2, false, TripletMinerKind::kHard}).forward(features, hand_labels(), &stats);
  // Only anchor 2 violates the margin: (sqrt(52) - 4 + 0.2) / 4.
  EXPECT_NEAR(loss.item<double>(), 0.8527756377319946, 1e-6);
  EXPECT_EQ(stats.triplets, 4);
  EXPECT_DOUBLE_EQ(stats.active_fraction, 0.25);
  loss.backward();
  const auto grad = features.grad();
  // d/dx2 = ((x2-x3)/|x2-x3| - (x2-x0)/|x2-x0|)/4, d/dx3 = -(x2-x3)/|x2-x3|/4, d/dx0 = (x2-x0)/|x2-x0|/4.
  const double u = 6.0 / std::sqrt(52.0) / 4.0;
  const double v = 4.0 / std::sqrt(52.0) / 4.0;
  const std::vector<double> expected = {0.0, 0.25, 0.0, 0.0, -u, -v - 0.25, u, v};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(grad.view({-1})[i].item<double>(), expected[i], 1e-6) << i;
}

TEST_F(LossTest, SoftMarginTripletLossIsLogOnePlusExp) {
  auto features = hand_features();
  const auto loss =
      TripletLossWithMiner({0.2, true, TripletMinerKind::kHard}).forward(features, hand_labels());
  double expected = 0.0;
  for (double gap : {3.0 - 4.0, 3.0 - 5.0, std::sqrt(52.0) - 4.0, std::sqrt(52.0) - std::sqrt(73.0)}) {
    expected += std::log1p(std::exp(gap));
  }
  EXPECT_NEAR(loss.item<double>(), expected / 4.0, 1e-6);
  EXPECT_NEAR(loss.item<double>(), 0.9812164357649894, 1e-6);
}

TEST_F(LossTest, AllTripletsAveragesOverEveryTriplet) {
  auto features = hand_features();
  const auto loss =
      TripletLossWithMiner({0.2, false, TripletMinerKind::kAll}).forward(features, hand_labels());
  // 8 triplets; the non-zero ones are (2,3,0) and (2,3,1): sqrt(52)-4+0.2 and sqrt(52)-5+0.2.
  EXPECT_NEAR(loss.item<double>(), 0.7277756377319947, 1e-6);
}

TEST_F(LossTest, ZeroDistanceHasZeroGradientNotNaN) {
  // Items 0 and 1 are the same image (smart_sample duplicates small classes).
  auto features =
      torch::tensor({1.0f, 2.0f, 1.0f, 2.0f, 1.5f, 2.0f, 9.0f, 9.0f}).reshape({4, 2}).requires_grad_(true);
  // Margin 1: the triplet (0, 1, 2) with d_ap = 0 is active, so its zero distance is differentiated.
  const auto loss =
      TripletLossWithMiner({1.0, false, TripletMinerKind::kHard}).forward(features, hand_labels());
  loss.backward();
  EXPECT_TRUE(torch::isfinite(features.grad()).all().item<bool>());
  EXPECT_GT(loss.item<double>(), 0.0);
}

TEST_F(LossTest, BatchWithoutTripletsGivesZeroLossThatBackpropagates) {
  auto features = torch::ones({3, 4}).requires_grad_(true);
  const auto loss = TripletLossWithMiner({}).forward(features, torch::tensor({1, 1, 1}, torch::kLong));
  EXPECT_EQ(loss.item<double>(), 0.0);
  loss.backward();
  EXPECT_EQ(features.grad().abs().sum().item<double>(), 0.0);
}

ArcFaceLoss hand_arcface() {
  ArcFaceLoss arcface(2, 2, ArcFaceOptions{64.0, 0.5});
  torch::NoGradGuard no_grad;
  arcface->weight().copy_(torch::tensor({2.0f, 0.0f, 0.0f, 3.0f}).reshape({2, 2}));  // unit after normalising
  return arcface;
}

TEST_F(LossTest, ArcFaceLogitsAddTheAngularMarginToTheTargetOnly) {
  auto arcface = hand_arcface();
  // At 30 degrees from class 0 and 60 from class 1 (the length 2 is normalised away).
  const auto features = torch::tensor({2.0f * std::cos(M_PI / 6), 2.0f * std::sin(M_PI / 6)}).reshape({1, 2});
  const auto logits = arcface->logits(features, torch::tensor({0}, torch::kLong));
  EXPECT_NEAR(logits[0][0].item<double>(), 64.0 * std::cos(M_PI / 6 + 0.5), 1e-4);  // 33.2989
  EXPECT_NEAR(logits[0][1].item<double>(), 64.0 * 0.5, 1e-4);
  const auto loss = arcface->forward(features, torch::tensor({0}, torch::kLong));
  EXPECT_NEAR(loss.item<double>(), 0.241234387510616, 1e-4);  // -l0 + log(e^l0 + e^l1)
}

TEST_F(LossTest, ArcFaceUsesTheLinearPenaltyPastPiMinusM) {
  auto arcface = hand_arcface();
  // theta ~ 179.4 degrees from class 0, so theta + m > pi: cos - sin(pi - m) * m.
  const auto features = torch::tensor({-1.0f, 0.01f}).reshape({1, 2});
  const auto logits = arcface->logits(features, torch::tensor({0}, torch::kLong));
  const double cos0 = -1.0 / std::sqrt(1.0 + 1e-4);
  EXPECT_NEAR(logits[0][0].item<double>(), 64.0 * (cos0 - std::sin(M_PI - 0.5) * 0.5), 1e-3);
  EXPECT_NEAR(logits[0][1].item<double>(), 64.0 * 0.01 / std::sqrt(1.0 + 1e-4), 1e-4);
}

TEST_F(LossTest, ArcFaceWeightIsItsOnlyParameterNamedWeight) {
  ArcFaceLoss arcface(8, 5);
  const auto params = arcface->named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params.begin()->key(), "weight");
  EXPECT_EQ(params.begin()->value().sizes(), (std::vector<int64_t>{5, 8}));
  // Xavier uniform bound sqrt(6 / (fan_in + fan_out)).
  EXPECT_LE(arcface->weight().abs().max().item<double>(), std::sqrt(6.0 / 13.0));
}

}  // namespace
}  // namespace oml::training
