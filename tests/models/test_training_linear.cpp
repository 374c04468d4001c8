#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "oml/models/bf16_matmul.h"
#include "oml/models/inference_linear.h"
#include "oml/models/training_linear.h"
#include "oml/models/vit.h"
#include "vit_fixtures.h"

namespace oml {
namespace {

struct Grads {
  torch::Tensor out, x, weight, bias;
};

// Output and gradients of sum(y * probe) for y = linear(x, weight, bias), with fresh leaves.
template <typename Linear>
Grads run(Linear linear, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& b0,
          const torch::Tensor& probe) {
  auto x = x0.clone().requires_grad_(true);
  auto weight = w0.clone().requires_grad_(true);
  auto bias = b0.clone().requires_grad_(true);
  const auto out = linear(x, weight, bias);
  (out * probe).sum().backward();
  return {out.detach(), x.grad(), weight.grad(), bias.grad()};
}

float relative_error(const torch::Tensor& ours, const torch::Tensor& expected) {
  EXPECT_EQ(ours.sizes(), expected.sizes());
  return ((ours - expected).abs().max() / expected.abs().max()).item<float>();
}

void expect_matches_torch(const Grads& ours, const Grads& expected, float tolerance) {
  EXPECT_LT(relative_error(ours.out, expected.out), tolerance);
  EXPECT_LT(relative_error(ours.x, expected.x), tolerance);
  EXPECT_LT(relative_error(ours.weight, expected.weight), tolerance);
  EXPECT_LT(relative_error(ours.bias, expected.bias), tolerance);
}

TEST(TrainingLinear, GradientsMatchTorchLinearOnViTShapes) {
  torch::manual_seed(0);
  // vits16 at 64 px pairs (5 pairs x 33 tokens): qkv, proj, fc1, fc2; one CLS row; one token.
  const std::vector<std::pair<std::vector<int64_t>, int64_t>> cases = {
      {{5, 33, 384}, 1152}, {{5, 33, 384}, 384}, {{5, 33, 384}, 1536},
      {{5, 33, 1536}, 384}, {{5, 384}, 100},     {{1, 1, 384}, 384}};
  for (const auto& [shape, out_features] : cases) {
    const auto x = torch::randn(shape);
    const auto weight = torch::randn({out_features, shape.back()}) * 0.05;
    const auto bias = torch::randn({out_features});
    auto out_shape = shape;
    out_shape.back() = out_features;
    const auto probe = torch::randn(out_shape);
    const auto ours = run(linear_with_grad, x, weight, bias, probe);
    const auto expected =
        run([](auto a, auto b, auto c) { return torch::linear(a, b, c); }, x, weight, bias, probe);
    expect_matches_torch(ours, expected, 2e-5f);
  }
}

TEST(TrainingLinear, SmallIntegersGiveExactlyTorchsGradients) {
  // Integer-valued operands keep every product and sum exact in float32: no rounding slack.
  const auto x = torch::randint(-3, 4, {2, 3, 8}).to(torch::kFloat);
  const auto weight = torch::randint(-3, 4, {5, 8}).to(torch::kFloat);
  const auto bias = torch::randint(-3, 4, {5}).to(torch::kFloat);
  const auto probe = torch::randint(-3, 4, {2, 3, 5}).to(torch::kFloat);
  const auto ours = run(linear_with_grad, x, weight, bias, probe);
  const auto expected =
      run([](auto a, auto b, auto c) { return torch::linear(a, b, c); }, x, weight, bias, probe);
  EXPECT_TRUE(torch::equal(ours.out, expected.out));
  EXPECT_TRUE(torch::equal(ours.x, expected.x));
  EXPECT_TRUE(torch::equal(ours.weight, expected.weight));
  EXPECT_TRUE(torch::equal(ours.bias, expected.bias));
  EXPECT_TRUE(torch::equal(ours.bias, probe.sum(std::vector<int64_t>{0, 1})));
}

// What forward_first_token does: the CLS row of a token tensor (a strided view) through the q rows
// of qkv, every token through the k/v rows, both slices of one weight and one bias parameter.
template <typename Linear>
Grads first_token_slices(Linear linear, const torch::Tensor& x0, const torch::Tensor& w0,
                         const torch::Tensor& b0, const torch::Tensor& probe_q,
                         const torch::Tensor& probe_kv) {
  const int64_t dim = x0.size(2);
  auto x = x0.clone().requires_grad_(true);
  auto weight = w0.clone().requires_grad_(true);
  auto bias = b0.clone().requires_grad_(true);
  const auto q = linear(x.narrow(1, 0, 1), weight.narrow(0, 0, dim), bias.narrow(0, 0, dim));
  const auto kv = linear(x, weight.narrow(0, dim, 2 * dim), bias.narrow(0, dim, 2 * dim));
  ((q * probe_q).sum() + (kv * probe_kv).sum()).backward();
  return {torch::cat({q.detach().flatten(), kv.detach().flatten()}), x.grad(), weight.grad(), bias.grad()};
}

TEST(TrainingLinear, StridedRowsAndWeightRowSlicesMatchTorch) {
  torch::manual_seed(1);
  const int64_t dim = 384;
  const auto x = torch::randn({4, 33, dim});
  const auto weight = torch::randn({3 * dim, dim}) * 0.05;
  const auto bias = torch::randn({3 * dim});
  const auto probe_q = torch::randn({4, 1, dim});
  const auto probe_kv = torch::randn({4, 33, 2 * dim});
  ASSERT_FALSE(x.narrow(1, 0, 1).is_contiguous());
  const auto ours = first_token_slices(linear_with_grad, x, weight, bias, probe_q, probe_kv);
  const auto expected = first_token_slices([](auto a, auto b, auto c) { return torch::linear(a, b, c); }, x,
                                           weight, bias, probe_q, probe_kv);
  expect_matches_torch(ours, expected, 2e-5f);
  // Only the CLS token receives a gradient from the q rows; the others only from k/v.
  EXPECT_GT(ours.x.select(1, 0).abs().sum().item<float>(), 0.0f);
}

TEST(TrainingLinear, TransposedAndExpandedInputsMatchTorch) {
  torch::manual_seed(2);
  const auto base = torch::randn({64, 3, 2});
  const auto transposed = base.permute({2, 1, 0});  // [2, 3, 64], last dimension not adjacent
  const auto weight = torch::randn({16, 64});
  const auto bias = torch::randn({16});
  const auto probe = torch::randn({2, 3, 16});
  const auto linear = [](auto a, auto b, auto c) { return torch::linear(a, b, c); };
  expect_matches_torch(run(linear_with_grad, transposed, weight, bias, probe),
                       run(linear, transposed, weight, bias, probe), 2e-5f);
  // A row repeated by expand (stride 0) is not a valid GEMM operand until copied.
  auto row = torch::randn({1, 64}).requires_grad_(true);
  const auto repeated = row.expand({3, 64});
  linear_with_grad(repeated, weight, bias).sum().backward();
  const auto expected = weight.sum(0, true) * 3;
  EXPECT_LT((row.grad() - expected).abs().max().item<float>(), 1e-4);
}

TEST(TrainingLinear, OnlyRequestedGradientsAreComputed) {
  torch::manual_seed(3);
  auto x = torch::randn({6, 32}).requires_grad_(true);
  const auto weight = torch::randn({8, 32});  // frozen
  auto bias = torch::randn({8}).requires_grad_(true);
  linear_with_grad(x, weight, bias).sum().backward();
  EXPECT_FALSE(weight.grad().defined());
  EXPECT_TRUE(torch::allclose(bias.grad(), torch::full({8}, 6.0f)));
  EXPECT_TRUE(torch::allclose(x.grad(), weight.sum(0).expand({6, 32}), 1e-5, 1e-5));
}

TEST(TrainingLinear, LinearForwardUsesItWhenGradientsAreNeeded) {
  const auto x = torch::randn({5, 8}, torch::requires_grad());
  const auto weight = torch::randn({3, 8}, torch::requires_grad());
  const auto bias = torch::randn({3}, torch::requires_grad());
  const auto y = linear_forward(x, weight, bias);
  ASSERT_TRUE(y.grad_fn());
  EXPECT_NE(y.grad_fn()->name().find("DnnlLinear"), std::string::npos) << y.grad_fn()->name();
  // Without a bias (the siamese head's last layer) torch::linear keeps the work.
  const auto no_bias = linear_forward(x, weight, torch::Tensor());
  EXPECT_EQ(no_bias.grad_fn()->name().find("DnnlLinear"), std::string::npos);
  // Double precision is left to torch, with its own gradients.
  const auto as_double =
      linear_forward(x.to(torch::kDouble), weight.to(torch::kDouble), bias.to(torch::kDouble));
  EXPECT_EQ(as_double.grad_fn()->name().find("DnnlLinear"), std::string::npos);
  EXPECT_TRUE(torch::allclose(as_double.to(torch::kFloat), y, 1e-5, 1e-5));
}

TEST(TrainingLinear, ViTGradientsMatchTheDoublePrecisionTorchPath) {
  // The whole ViT in float32 (oneDNN linear layers, vectorised GELU) against the same weights in
  // float64, where every layer falls back to torch: the gradient of every parameter agrees.
  torch::manual_seed(4);
  VisionTransformer ours(testing::tiny_vit_config());
  VisionTransformer reference(testing::tiny_vit_config());
  {
    torch::NoGradGuard no_grad;
    const auto source = ours->named_parameters();
    for (auto& item : reference->named_parameters()) item.value().copy_(source[item.key()]);
  }
  reference->to(torch::kDouble);
  const auto images = torch::randn({3, 3, 64, 32});
  const auto probe = torch::randn({3, 32});
  (ours->forward(images) * probe).sum().backward();
  (reference->forward(images.to(torch::kDouble)) * probe.to(torch::kDouble)).sum().backward();
  const auto expected = reference->named_parameters();
  int64_t compared = 0;
  for (const auto& item : ours->named_parameters()) {
    const auto grad = item.value().grad();
    ASSERT_TRUE(grad.defined()) << item.key();
    const auto want = expected[item.key()].grad().to(torch::kFloat);
    const float scale = std::max(want.abs().max().item<float>(), 1e-3f);
    EXPECT_LT((grad - want).abs().max().item<float>() / scale, 1e-4) << item.key();
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int64_t>(expected.size()));
}

// Switches linear_with_grad to bf16 GEMMs for one test, skipping it where the CPU has no bf16.
class Bf16TrainingLinear : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!set_bf16_training_gemms(true)) GTEST_SKIP() << "no native bf16 on this CPU";
  }
  void TearDown() override { set_bf16_training_gemms(false); }
};

TEST_F(Bf16TrainingLinear, SmallIntegersGiveExactlyTorchsGradients) {
  // Small integers are exact in bfloat16 and their products and sums exact in float32.
  ASSERT_TRUE(bf16_training_gemms());
  const auto x = torch::randint(-3, 4, {2, 7, 40}).to(torch::kFloat);
  const auto weight = torch::randint(-3, 4, {24, 40}).to(torch::kFloat);
  const auto bias = torch::randint(-3, 4, {24}).to(torch::kFloat);
  const auto probe = torch::randint(-3, 4, {2, 7, 24}).to(torch::kFloat);
  const auto ours = run(linear_with_grad, x, weight, bias, probe);
  const auto expected =
      run([](auto a, auto b, auto c) { return torch::linear(a, b, c); }, x, weight, bias, probe);
  EXPECT_TRUE(torch::equal(ours.out, expected.out));
  EXPECT_TRUE(torch::equal(ours.x, expected.x));
  EXPECT_TRUE(torch::equal(ours.weight, expected.weight));
  EXPECT_TRUE(torch::equal(ours.bias, expected.bias));
  EXPECT_EQ(ours.x.scalar_type(), torch::kFloat);
}

TEST_F(Bf16TrainingLinear, GradientsAreTorchsToBf16Precision) {
  torch::manual_seed(5);
  const int64_t dim = 384;
  const auto x = torch::randn({4, 33, dim});
  const auto weight = torch::randn({3 * dim, dim}) * 0.05;
  const auto bias = torch::randn({3 * dim});
  const auto probe_q = torch::randn({4, 1, dim});
  const auto probe_kv = torch::randn({4, 33, 2 * dim});
  const auto ours = first_token_slices(linear_with_grad, x, weight, bias, probe_q, probe_kv);
  const auto expected = first_token_slices([](auto a, auto b, auto c) { return torch::linear(a, b, c); }, x,
                                           weight, bias, probe_q, probe_kv);
  // bf16 keeps 8 significant bits: relative errors of ~1e-2, but not more, and not float32's 1e-6.
  const float out_error = relative_error(ours.out, expected.out);
  EXPECT_LT(out_error, 3e-2f);
  EXPECT_GT(out_error, 1e-5f);
  EXPECT_LT(relative_error(ours.x, expected.x), 3e-2f);
  EXPECT_LT(relative_error(ours.weight, expected.weight), 3e-2f);
  EXPECT_LT(relative_error(ours.bias, expected.bias), 1e-5f);  // the bias gradient stays float32
  EXPECT_GT(torch::cosine_similarity(ours.weight.flatten(), expected.weight.flatten(), 0).item<float>(),
            0.999f);
}

TEST_F(Bf16TrainingLinear, NoGradInferenceStaysFloat32) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(6);
  const auto x = torch::randn({8, 64});
  const auto weight = torch::randn({32, 64});
  const auto bias = torch::randn({32});
  const auto expected = torch::linear(x, weight, bias);
  EXPECT_LT(relative_error(linear_forward(x, weight, bias), expected), 2e-6f);
}

TEST(Bf16Matmul, TransposedOperandsAndLeadingDimensions) {
  if (!cpu_has_native_bf16()) GTEST_SKIP() << "no native bf16 on this CPU";
  const auto a = torch::randint(-4, 5, {6, 10}).to(torch::kBFloat16);   // used as A^T: [10, 6]
  const auto b = torch::randint(-4, 5, {10, 12}).to(torch::kBFloat16);  // B with ld 12, 9 columns used
  auto c = torch::zeros({10, 9});
  dnnl_matmul_bf16('T', 'N', 10, 9, 6, a.data_ptr<c10::BFloat16>(), 10, b.data_ptr<c10::BFloat16>(), 12,
                   c.data_ptr<float>(), 9);
  const auto expected =
      torch::matmul(a.to(torch::kFloat).t(), b.to(torch::kFloat).narrow(0, 0, 6).narrow(1, 0, 9));
  EXPECT_TRUE(torch::equal(c, expected));
}

}  // namespace
}  // namespace oml
