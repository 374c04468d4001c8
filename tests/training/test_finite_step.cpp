#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

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

}  // namespace
}  // namespace oml::training
