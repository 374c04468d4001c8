#include <gtest/gtest.h>
#include <torch/torch.h>

#include "oml/models/inference_linear.h"

namespace oml {
namespace {

TEST(InferenceLinear, WithoutGradMatchesTorchLinearOnViTShapes) {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  for (const auto& shape : std::vector<std::vector<int64_t>>{{4, 33, 384}, {7, 192}, {1, 1, 384}}) {
    const auto x = torch::randn(shape);
    const auto weight = torch::randn({1536, shape.back()});
    const auto bias = torch::randn({1536});
    const auto expected = torch::linear(x, weight, bias);
    const auto ours = linear_forward(x, weight, bias);
    ASSERT_EQ(ours.sizes(), expected.sizes());
    const float scale = expected.abs().max().item<float>();
    EXPECT_LT((ours - expected).abs().max().item<float>() / scale, 2e-6);
    const auto no_bias = linear_forward(x, weight, torch::Tensor());
    EXPECT_LT((no_bias - torch::linear(x, weight)).abs().max().item<float>() / scale, 2e-6);
  }
}

TEST(InferenceLinear, StridedInputsAndWeightRowSlicesAreHandled) {
  torch::manual_seed(1);
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({3, 10, 64});
  const auto first_token = x.narrow(1, 0, 1);  // not contiguous
  const auto weight = torch::randn({192, 64});
  const auto bias = torch::randn({192});
  const auto rows = weight.narrow(0, 64, 128);
  const auto ours = linear_forward(first_token, rows, bias.narrow(0, 64, 128));
  const auto expected = torch::linear(first_token, rows, bias.narrow(0, 64, 128));
  EXPECT_EQ(ours.sizes(), (std::vector<int64_t>{3, 1, 128}));
  EXPECT_LT((ours - expected).abs().max().item<float>(), 1e-4);
}

TEST(InferenceLinear, OneRowLeavesTheBiasUntouched) {
  torch::NoGradGuard no_grad;
  const auto x = torch::ones({1, 4});
  const auto weight = torch::ones({2, 4});
  const auto bias = torch::tensor({1.0f, -1.0f});
  const auto first = linear_forward(x, weight, bias);
  const auto second = linear_forward(x, weight, bias);
  EXPECT_TRUE(torch::equal(bias, torch::tensor({1.0f, -1.0f})));
  EXPECT_TRUE(torch::equal(first, torch::tensor({{5.0f, 3.0f}})));
  EXPECT_TRUE(torch::equal(second, first));
}

TEST(InferenceLinear, TrainingGradientsMatchTorchLinear) {
  const auto x = torch::randn({5, 8}, torch::requires_grad());
  const auto weight = torch::randn({3, 8}, torch::requires_grad());
  const auto bias = torch::randn({3}, torch::requires_grad());
  linear_forward(x, weight, bias).sum().backward();
  ASSERT_TRUE(weight.grad().defined());
  EXPECT_TRUE(torch::allclose(bias.grad(), torch::full({3}, 5.0f)));
  EXPECT_TRUE(torch::allclose(weight.grad(), x.detach().sum(0).expand({3, 8})));
}

}  // namespace
}  // namespace oml
