#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "oml/models/gelu_kernel.h"
#include "oml/models/inference_gelu.h"

namespace oml {
namespace {

double gelu_double(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

TEST(InferenceGelu, KernelMatchesErfGeluToFloatPrecision) {
  std::vector<float> inputs;
  for (int i = -200000; i <= 200000; ++i) inputs.push_back(static_cast<float>(i) * 1e-4f);  // [-20, 20]
  for (float x : {-100.0f, -88.0f, -50.0f, 50.0f, 1e4f, 0.0f, -0.0f, 1e-30f, -1e-30f}) inputs.push_back(x);
  std::vector<float> outputs(inputs.size());
  gelu_exact_kernel(inputs.data(), outputs.data(), static_cast<int64_t>(inputs.size()));
  double worst = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const double expected = gelu_double(inputs[i]);
    // Relative to |x|: the tails of gelu (x < -5) are tiny and only need absolute accuracy.
    const double error = std::abs(outputs[i] - expected) / std::max(1.0, std::abs(double{inputs[i]}));
    worst = std::max(worst, error);
  }
  EXPECT_LT(worst, 5e-7);
  EXPECT_EQ(outputs[inputs.size() - 3], 0.0f);  // gelu(0) = 0 exactly
}

TEST(InferenceGelu, WithoutGradMatchesTorchGeluAndReusesTheInput) {
  torch::manual_seed(0);
  const auto x = torch::randn({3, 50, 1536}) * 3;
  const auto expected = torch::gelu(x);
  torch::NoGradGuard no_grad;
  auto input = x.clone();
  const auto result = gelu_exact(input);
  EXPECT_EQ(result.data_ptr(), input.data_ptr());
  EXPECT_LT((result - expected).abs().max().item<float>(), 3e-6);
}

TEST(InferenceGelu, TrainingGradientsMatchTorchGelu) {
  const auto x = torch::linspace(-4, 4, 101).requires_grad_(true);
  const auto y = gelu_exact(x * 1.0);
  y.sum().backward();
  const auto reference = x.detach().clone().requires_grad_(true);
  torch::gelu(reference).sum().backward();
  // The vectorised kernels are accurate to ~2e-7 absolute (derivatives near 0 at x ~ -0.75).
  EXPECT_TRUE(torch::allclose(x.grad(), reference.grad(), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(y.detach(), torch::gelu(x.detach()), 1e-5, 1e-6));
}

TEST(InferenceGelu, NonContiguousAndDoubleInputsAreLeftToTorch) {
  torch::NoGradGuard no_grad;
  const auto strided = torch::randn({64, 32}).t();
  EXPECT_TRUE(torch::allclose(gelu_exact(strided), torch::gelu(strided)));
  const auto as_double = torch::randn({100}, torch::kDouble);
  EXPECT_TRUE(torch::equal(gelu_exact(as_double), torch::gelu(as_double)));
}

}  // namespace
}  // namespace oml
