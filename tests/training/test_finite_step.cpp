#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <vector>

#include "oml/training/finite_kernel.h"
#include "oml/training/finite_step.h"

namespace oml::training {
namespace {

struct OneWeight {
  torch::Tensor weight = torch::ones({3}, torch::requires_grad());
  torch::optim::SGD optimizer{std::vector<torch::Tensor>{weight}, torch::optim::SGDOptions(0.5)};
};

TEST(FiniteStep, FiniteLossAndGradientsAreApplied) {
  OneWeight m;
  const auto loss = (m.weight * 2.0).sum();
  loss.backward();
  EXPECT_TRUE(step_if_finite(loss, m.optimizer));
  EXPECT_FLOAT_EQ(m.weight[0].item<float>(), 0.0f);  // 1 - 0.5 * 2
}

TEST(FiniteStep, NanGradientIsSkippedAndWeightsKept) {
  OneWeight m;
  // sqrt at 0 has an infinite derivative; times 0 it gives NaN while the loss itself is finite.
  const auto loss = (torch::sqrt(m.weight - 1.0) * 0.0).sum() + m.weight.sum();
  loss.backward();
  EXPECT_FALSE(step_if_finite(loss, m.optimizer));
  EXPECT_FLOAT_EQ(m.weight[1].item<float>(), 1.0f);
  EXPECT_FALSE(m.weight.grad().defined() && m.weight.grad().abs().sum().item<float>() != 0.0f);
}

TEST(FiniteStep, InfiniteLossIsSkipped) {
  OneWeight m;
  const auto loss = m.weight.sum() / 0.0;
  loss.backward();
  EXPECT_FALSE(loss_and_gradients_finite(loss, m.optimizer));
}

TEST(FiniteStep, EveryElementOfLargeGradientsIsChecked) {
  // Two parameters of more than one parallel slice each, with an odd length (a vector remainder).
  torch::Tensor a = torch::zeros({200003}, torch::requires_grad());
  torch::Tensor b = torch::zeros({70001}, torch::requires_grad());
  torch::optim::SGD optimizer{std::vector<torch::Tensor>{a, b}, torch::optim::SGDOptions(0.1)};
  const auto loss = (a * 3.0).sum() + (b * b).sum();
  loss.backward();
  EXPECT_TRUE(loss_and_gradients_finite(loss, optimizer));
  b.mutable_grad()[70000] = std::numeric_limits<float>::quiet_NaN();  // the last element
  EXPECT_FALSE(loss_and_gradients_finite(loss, optimizer));
  b.mutable_grad()[70000] = 0.0f;
  a.mutable_grad()[131072] = -std::numeric_limits<float>::infinity();  // first of a later slice
  EXPECT_FALSE(loss_and_gradients_finite(loss, optimizer));
}

TEST(FiniteKernel, LargestFloatsAreFiniteAndNanOrInfinityIsNot) {
  std::vector<float> values(37, std::numeric_limits<float>::max());
  values[5] = -std::numeric_limits<float>::max();
  EXPECT_TRUE(all_finite(values.data(), static_cast<int64_t>(values.size())));
  values[36] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(all_finite(values.data(), static_cast<int64_t>(values.size())));
  EXPECT_TRUE(all_finite(values.data(), 36));
  values[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(all_finite(values.data(), 1));
}

}  // namespace
}  // namespace oml::training
