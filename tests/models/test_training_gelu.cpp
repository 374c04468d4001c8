#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "oml/models/gelu_kernel.h"
#include "oml/models/inference_gelu.h"
#include "oml/models/training_gelu.h"

namespace oml {
namespace {

// d/dx x Phi(x) = Phi(x) + x phi(x), in double.
double gelu_derivative(double x) {
  const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
  const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
  return cdf + x * pdf;
}

double gelu_double(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

TEST(TrainingGelu, KernelGivesGeluAndItsDerivativeToFloatPrecision) {
  std::vector<float> inputs;
  for (int i = -200000; i <= 200000; ++i) inputs.push_back(static_cast<float>(i) * 1e-4f);  // [-20, 20]
  for (float x : {-100.0f, -88.0f, -50.0f, 50.0f, 1e4f, 0.0f, -0.0f, 1e-30f, -1e-30f}) inputs.push_back(x);
  const auto count = static_cast<int64_t>(inputs.size());
  std::vector<float> outputs(inputs.size());
  std::vector<float> derivatives(inputs.size());
  gelu_exact_with_derivative_kernel(inputs.data(), outputs.data(), derivatives.data(), count);
  double worst_value = 0;
  double worst_derivative = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const double x = inputs[i];
    // Relative to |x| for the value (its tails only need absolute accuracy); the derivative lies
    // in [-0.17, 1.13], so absolute error is what matters there.
    worst_value = std::max(worst_value, std::abs(outputs[i] - gelu_double(x)) / std::max(1.0, std::abs(x)));
    worst_derivative = std::max(worst_derivative, std::abs(derivatives[i] - gelu_derivative(x)));
  }
  EXPECT_LT(worst_value, 5e-7);
  EXPECT_LT(worst_derivative, 5e-7);
  EXPECT_GT(worst_derivative, 0.0);             // an approximation, not libm: guards against comparing a copy
  EXPECT_EQ(outputs[inputs.size() - 4], 0.0f);  // gelu(0) = 0
  EXPECT_FLOAT_EQ(derivatives[inputs.size() - 4], 0.5f);      // gelu'(0) = 1/2
  EXPECT_NEAR(derivatives[inputs.size() - 9], 0.0f, 1e-30f);  // gelu'(-100) ~ -4e-2172
  EXPECT_EQ(derivatives[inputs.size() - 6], 1.0f);            // gelu'(50) = 1
  EXPECT_EQ(outputs[inputs.size() - 6], 50.0f);
}

TEST(TrainingGelu, GradientsMatchTorchGelu) {
  torch::manual_seed(0);
  const auto x0 = torch::randn({5, 33, 1536}) * 3;
  const auto probe = torch::randn({5, 33, 1536});
  auto x = x0.clone().requires_grad_(true);
  const auto y = gelu_exact_with_grad(x);
  (y * probe).sum().backward();
  auto reference = x0.clone().requires_grad_(true);
  const auto expected = torch::gelu(reference);
  (expected * probe).sum().backward();
  EXPECT_LT((y.detach() - expected.detach()).abs().max().item<float>(), 3e-6);
  EXPECT_LT((x.grad() - reference.grad()).abs().max().item<float>(), 3e-6);
  EXPECT_TRUE(torch::equal(x.detach(), x0));  // the input is kept for the backward
}

TEST(TrainingGelu, StridedGradientsAndInputsAreHandled) {
  torch::manual_seed(1);
  auto base = torch::randn({64, 48}).requires_grad_(true);
  const auto strided = base.t();  // not contiguous
  const auto y = gelu_exact_with_grad(strided);
  // A transposed upstream gradient as well.
  const auto probe = torch::randn({64, 48});
  (y * probe.t()).sum().backward();
  auto reference = base.detach().clone().requires_grad_(true);
  (torch::gelu(reference.t()) * probe.t()).sum().backward();
  EXPECT_LT((base.grad() - reference.grad()).abs().max().item<float>(), 3e-6);
}

TEST(TrainingGelu, GeluExactUsesItWhenGradientsAreNeeded) {
  const auto x = torch::linspace(-4, 4, 101).requires_grad_(true);
  const auto y = gelu_exact(x * 1.0);
  ASSERT_TRUE(y.grad_fn());
  EXPECT_NE(y.grad_fn()->name().find("ExactGelu"), std::string::npos) << y.grad_fn()->name();
  y.sum().backward();
  const auto reference = x.detach().clone().requires_grad_(true);
  torch::gelu(reference).sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), reference.grad(), 1e-5, 1e-6));
  // Double precision stays on torch::gelu and its autograd.
  const auto as_double = gelu_exact(x.to(torch::kDouble));
  EXPECT_EQ(as_double.grad_fn()->name().find("ExactGelu"), std::string::npos);
}

}  // namespace
}  // namespace oml
