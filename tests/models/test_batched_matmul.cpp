#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "oml/models/batched_matmul.h"

namespace oml {
namespace {

float relative_error(const torch::Tensor& ours, const torch::Tensor& expected) {
  EXPECT_EQ(ours.sizes(), expected.sizes());
  return ((ours - expected).abs().max() / expected.abs().max()).item<float>();
}

// Attention's operands as the ViT makes them: q, k, v are permuted views of one qkv tensor
// [B, T, 3, H, D] (rows not adjacent across heads), k is used transposed.
TEST(BatchedMatmul, AttentionProductsAndGradientsMatchTorch) {
  torch::manual_seed(0);
  const int64_t batch = 5, tokens = 33, heads = 6, head_dim = 64;
  const auto qkv0 = torch::randn({batch, tokens, 3, heads, head_dim});
  const auto probe_scores = torch::randn({batch, heads, tokens, tokens});
  const auto probe_mixed = torch::randn({batch, heads, tokens, head_dim});
  const double scale = 0.125;
  std::vector<torch::Tensor> outputs, grads;
  for (const bool ours : {true, false}) {
    auto qkv = qkv0.clone().requires_grad_(true);
    const auto parts = qkv.permute({2, 0, 3, 1, 4});
    const auto q = parts[0], k = parts[1], v = parts[2];
    const auto kt = k.transpose(-2, -1);
    const auto scores = ours ? batched_matmul(q, kt, scale) : torch::matmul(q, kt) * scale;
    const auto attention = torch::softmax(scores, -1);
    const auto mixed = ours ? batched_matmul(attention, v) : torch::matmul(attention, v);
    ((scores * probe_scores).sum() + (mixed * probe_mixed).sum()).backward();
    outputs.push_back(torch::cat({scores.detach().flatten(), mixed.detach().flatten()}));
    grads.push_back(qkv.grad());
    if (ours) {
      EXPECT_NE(scores.grad_fn()->name().find("BatchedMatmul"), std::string::npos)
          << scores.grad_fn()->name();
    }
  }
  EXPECT_LT(relative_error(outputs[0], outputs[1]), 2e-6f);
  EXPECT_LT(relative_error(grads[0], grads[1]), 2e-5f);
}

TEST(BatchedMatmul, SmallIntegersAreExactInEveryLayout) {
  // Integer operands keep every sum exact: any wrong stride or transpose flag shows as a mismatch.
  const auto a0 = torch::randint(-3, 4, {2, 3, 4, 5}).to(torch::kFloat);
  const auto b0 = torch::randint(-3, 4, {2, 3, 5, 6}).to(torch::kFloat);
  const auto probe = torch::randint(-3, 4, {2, 3, 4, 6}).to(torch::kFloat);
  const std::vector<std::pair<torch::Tensor, torch::Tensor>> layouts = {
      {a0, b0},
      {a0.transpose(-2, -1).contiguous().transpose(-2, -1), b0},          // column-major a
      {a0, b0.transpose(-2, -1).contiguous().transpose(-2, -1)},          // column-major b
      {a0.permute({1, 0, 2, 3}).contiguous().permute({1, 0, 2, 3}), b0},  // permuted batch
      {torch::cat({a0, a0}, -1).narrow(-1, 0, 5), b0}};                   // row stride 10
  for (const auto& [a_layout, b_layout] : layouts) {
    // detach() keeps the strides, so each leaf has the layout under test.
    auto a = a_layout.detach().requires_grad_(true);
    auto b = b_layout.detach().requires_grad_(true);
    const auto out = batched_matmul(a, b, 2.0);
    (out * probe).sum().backward();
    EXPECT_TRUE(torch::equal(out, torch::matmul(a0, b0) * 2));
    EXPECT_TRUE(torch::equal(a.grad(), torch::matmul(probe, b0.transpose(-2, -1)) * 2));
    EXPECT_TRUE(torch::equal(b.grad(), torch::matmul(a0.transpose(-2, -1), probe) * 2));
  }
}

TEST(BatchedMatmul, WithoutGradAndSingleRows) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  const auto q = torch::randn({4, 6, 1, 64});  // forward_first_token: the CLS query alone
  const auto k = torch::randn({4, 6, 33, 64});
  const auto ours = batched_matmul(q, k.transpose(-2, -1), 0.5);
  EXPECT_LT(relative_error(ours, torch::matmul(q, k.transpose(-2, -1)) * 0.5), 2e-6f);
}

TEST(BatchedMatmul, BroadcastAndOtherDtypesAreLeftToTorch) {
  torch::manual_seed(2);
  const auto a = torch::randn({3, 4, 5});
  const auto b = torch::randn({1, 5, 2});  // broadcast batch
  EXPECT_TRUE(torch::allclose(batched_matmul(a, b, 3.0), torch::matmul(a, b) * 3.0));
  const auto ad = a.to(torch::kDouble);
  EXPECT_TRUE(
      torch::equal(batched_matmul(ad, ad.transpose(-2, -1)), torch::matmul(ad, ad.transpose(-2, -1))));
}

}  // namespace
}  // namespace oml
