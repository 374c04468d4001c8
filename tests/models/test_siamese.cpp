#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "oml/models/mlp_head.h"
#include "oml/models/siamese.h"

namespace oml {
namespace {

// A small ViT so forward passes take milliseconds; key layout is the same as vits16's.
ViTConfig tiny_config() { return ViTConfig{"tiny", 16, 32, 2, 2, 64, 14}; }

std::vector<std::string> keys_of(const torch::nn::Module& module) {
  std::vector<std::string> keys;
  for (const auto& item : module.named_parameters(true)) keys.push_back(item.key());
  return keys;
}

class SiameseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(0);
  }
};

TEST_F(SiameseTest, ParameterNamesAreOmlStateDictKeys) {
  ConcatSiamese model(vit_config_for_arch("vits16"), std::vector<int64_t>{100});
  const auto keys = keys_of(*model);
  ASSERT_EQ(keys.size(), 153u);  // 150 ViT tensors + head.0.weight, head.0.bias, head.3.weight
  EXPECT_EQ(keys.front(), "extractor.model.cls_token");
  EXPECT_EQ(keys[1], "extractor.model.pos_embed");
  EXPECT_EQ(keys[2], "extractor.model.patch_embed.proj.weight");
  EXPECT_EQ(keys[149], "extractor.model.norm.bias");
  EXPECT_EQ(keys[150], "head.0.weight");
  EXPECT_EQ(keys[151], "head.0.bias");
  EXPECT_EQ(keys[152], "head.3.weight");
  const auto params = model->named_parameters(true);
  EXPECT_EQ(params["head.0.weight"].sizes(), torch::IntArrayRef({100, 384}));
  EXPECT_EQ(params["head.3.weight"].sizes(), torch::IntArrayRef({1, 100}));
}

TEST_F(SiameseTest, TwoHiddenLayersGiveIndicesZeroThreeSix) {
  auto head = make_siamese_head(384, {128, 10});
  EXPECT_EQ(keys_of(*head),
            (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "6.weight"}));
  EXPECT_EQ(head->named_parameters()["6.weight"].sizes(), torch::IntArrayRef({1, 10}));
}

TEST_F(SiameseTest, HeadInitIsPyTorchDefaultUniform) {
  auto head = make_siamese_head(384, {100});
  const auto params = head->named_parameters();
  const double bound0 = 1.0 / std::sqrt(384.0);
  const double bound3 = 1.0 / std::sqrt(100.0);
  EXPECT_LE(params["0.weight"].abs().max().item<double>(), bound0);
  EXPECT_GT(params["0.weight"].abs().max().item<double>(), 0.9 * bound0);
  EXPECT_LE(params["0.bias"].abs().max().item<double>(), bound0);
  EXPECT_LE(params["3.weight"].abs().max().item<double>(), bound3);
  EXPECT_GT(params["3.weight"].abs().max().item<double>(), 0.5 * bound3);
}

TEST_F(SiameseTest, HeadIsLinearSigmoidDropoutLinear) {
  auto head = make_siamese_head(4, {3});
  head->eval();
  const auto params = head->named_parameters();
  const auto x = torch::randn({5, 4});
  const auto expected = torch::matmul(
      torch::sigmoid(torch::matmul(x, params["0.weight"].t()) + params["0.bias"]), params["3.weight"].t());
  EXPECT_TRUE(torch::allclose(head->forward(x), expected, 1e-6, 1e-6));
  head->train();
  // Dropout(0.5) is active in train mode: some hidden units are zeroed, the rest scaled by 2.
  const auto trained = head->forward(x.repeat({200, 1}));
  EXPECT_FALSE(torch::allclose(trained, expected.repeat({200, 1})));
}

TEST_F(SiameseTest, StacksAlongTheHeightQueryOnTop) {
  ConcatSiamese model(tiny_config(), std::vector<int64_t>{8});
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x1 = torch::randn({3, 3, 64, 64});
  const auto x2 = torch::randn({3, 3, 64, 64});
  const auto logits = model->forward_pairs(x1, x2);
  EXPECT_EQ(logits.sizes(), torch::IntArrayRef({3}));
  const auto stacked = torch::cat({x1, x2}, 2);
  EXPECT_EQ(stacked.sizes(), torch::IntArrayRef({3, 3, 128, 64}));
  EXPECT_TRUE(torch::equal(logits, model->forward_stacked(stacked)));
  EXPECT_FALSE(torch::allclose(logits, model->forward_pairs(x2, x1)));  // order matters
}

TEST_F(SiameseTest, PredictIsSigmoidAndTtaAveragesAfterTheSigmoid) {
  ConcatSiamese model(tiny_config(), std::vector<int64_t>{8});
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x1 = torch::randn({2, 3, 64, 64});
  const auto x2 = torch::randn({2, 3, 64, 64});
  const auto forward = model->forward_pairs(x1, x2);
  const auto backward = model->forward_pairs(x2, x1);
  EXPECT_TRUE(torch::allclose(model->predict(x1, x2), torch::sigmoid(forward)));
  model->set_use_tta(true);
  EXPECT_TRUE(
      torch::allclose(model->predict(x1, x2), (torch::sigmoid(forward) + torch::sigmoid(backward)) / 2));
  EXPECT_TRUE(torch::allclose(model->predict(x1, x2), model->predict(x2, x1)));
}

TEST_F(SiameseTest, FreezeStopsBackboneGradientsOnly) {
  ConcatSiamese model(tiny_config(), std::vector<int64_t>{8});
  model->train();
  const auto x = torch::randn({2, 3, 32, 32});
  model->freeze();
  model->forward_pairs(x, x.flip(0)).sum().backward();
  const auto params = model->named_parameters(true);
  EXPECT_FALSE(params["extractor.model.cls_token"].grad().defined());
  EXPECT_TRUE(params["head.0.weight"].grad().defined());
  model->unfreeze();
  model->forward_pairs(x, x.flip(0)).sum().backward();
  EXPECT_TRUE(params["extractor.model.cls_token"].grad().defined());
}

TEST_F(SiameseTest, TrivialModelsAreL2Distances) {
  const auto x1 = torch::randn({4, 6});
  const auto x2 = torch::randn({4, 6});
  const auto expected = (x1 - x2).pow(2).sum(1).sqrt();
  TrivialDistanceSiamese trivial;
  EXPECT_TRUE(torch::allclose(trivial.predict(x1, x2), expected));
  LinearTrivialDistanceSiamese linear(6, true);
  EXPECT_TRUE(torch::allclose(linear->predict(x1, x2), expected));
  EXPECT_EQ(keys_of(*linear), std::vector<std::string>{"projection.weight"});
  LinearTrivialDistanceSiamese random(6, false);
  EXPECT_FALSE(torch::allclose(random->predict(x1, x2), expected));
  TrivialDistanceSiamese doubled([](const torch::Tensor& x) { return 2 * x; });
  EXPECT_TRUE(torch::allclose(doubled.forward_pairs(x1, x2), 2 * expected));
}

}  // namespace
}  // namespace oml
