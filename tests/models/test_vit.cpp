#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "oml/models/checkpoint.h"
#include "oml/models/vit.h"
#include "vit_fixtures.h"

namespace oml {
namespace {

namespace fs = std::filesystem;

VisionTransformer tiny_reference_vit() {
  VisionTransformer vit(testing::tiny_vit_config());
  load_state_dict_strict(*vit, read_state_dict(testing::vit_fixture("tiny.pth")), "tiny.pth", "tiny");
  vit->eval();
  return vit;
}

TEST(VisionTransformer, Vits16HasDinoKeysAndParameterCount) {
  VisionTransformer vit(vit_config_for_arch("vits16"));
  const auto state = module_state(*vit);
  ASSERT_EQ(state.size(), 150u);
  int64_t parameters = 0;
  for (const auto& entry : state) parameters += entry.second.numel();
  EXPECT_EQ(parameters, 21665664);
  EXPECT_EQ(state[0].first, "cls_token");
  EXPECT_EQ(state[1].first, "pos_embed");
  EXPECT_EQ(state[2].first, "patch_embed.proj.weight");
  EXPECT_EQ(state[3].first, "patch_embed.proj.bias");
  const std::vector<std::string> block0 = {
      "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
      "norm2.weight", "norm2.bias", "mlp.fc1.weight",  "mlp.fc1.bias",  "mlp.fc2.weight",   "mlp.fc2.bias"};
  for (size_t i = 0; i < block0.size(); ++i) EXPECT_EQ(state[4 + i].first, "blocks.0." + block0[i]);
  EXPECT_EQ(state[148].first, "norm.weight");
  EXPECT_EQ(state[149].first, "norm.bias");
  EXPECT_EQ(state[1].second.sizes(), (std::vector<int64_t>{1, 197, 384}));
}

TEST(VisionTransformer, ArchTableShapes) {
  EXPECT_EQ(vit_config_for_arch("vits8").pos_tokens(), 785);
  EXPECT_EQ(vit_config_for_arch("vitb16").head_dim(), 64);
  EXPECT_EQ(vit_config_for_arch("vitb8").mlp_hidden, 3072);
  EXPECT_EQ(vit_config_for_arch("vitt16").heads, 3);
  EXPECT_THROW(vit_config_for_arch("resnet50"), std::exception);
}

TEST(VisionTransformer, MatchesThePythonReferenceAtEverySize) {
  torch::set_num_threads(1);
  torch::NoGradGuard no_grad;
  auto vit = tiny_reference_vit();
  const auto reference = testing::reference_tensors();
  for (const std::string tag : {"64x64", "224x224", "128x64", "96x160"}) {
    const auto input = testing::to_float_input(reference.at("image_" + tag));
    const auto expected = reference.at("features_" + tag);
    const auto features = vit->forward(input);
    ASSERT_EQ(features.sizes(), expected.sizes()) << tag;
    EXPECT_LE((features - expected).abs().max().item<float>(), 1e-4) << tag;
    // Features are O(1) after the final LayerNorm, so 1e-4 is a meaningful bound.
    EXPECT_GT(expected.abs().max().item<float>(), 0.5) << tag;
  }
}

TEST(VisionTransformer, BatchingDoesNotChangeFeatures) {
  torch::set_num_threads(1);
  torch::NoGradGuard no_grad;
  auto vit = tiny_reference_vit();
  const auto input = testing::to_float_input(testing::reference_tensors().at("image_96x160"));
  const auto together = vit->forward(input);
  const auto alone = vit->forward(input.slice(0, 1, 2));
  EXPECT_LE((together[1] - alone[0]).abs().max().item<float>(), 1e-5);
}

TEST(ViTExtractor, NormalisesWithoutEpsilonAndPrefixesKeysWithModel) {
  torch::set_num_threads(1);
  torch::NoGradGuard no_grad;
  ViTExtractor extractor(testing::tiny_vit_config(), true);
  EXPECT_EQ(module_state(*extractor).front().first, "model.cls_token");
  load_state_dict_strict(*extractor->vit(), read_state_dict(testing::vit_fixture("tiny.pth")), "tiny.pth",
                         "tiny");
  extractor->eval();
  const auto reference = testing::reference_tensors();
  const auto features = extractor->forward(testing::to_float_input(reference.at("image_64x64")));
  EXPECT_LE((features - reference.at("normalised_64x64")).abs().max().item<float>(), 1e-5);
  EXPECT_TRUE(torch::isnan(normalise_features(torch::zeros({1, 4}))).all().item<bool>());
}

TEST(NormaliseFeatures, GradientDoesNotFlowThroughTheNorm) {
  auto x = torch::tensor({{3.0f, 4.0f}}, torch::requires_grad());
  normalise_features(x).sum().backward();
  // With the norm detached, d(sum(x/n))/dx = 1/n for every element.
  EXPECT_NEAR(x.grad()[0][0].item<float>(), 0.2f, 1e-7);
  EXPECT_NEAR(x.grad()[0][1].item<float>(), 0.2f, 1e-7);
}

TEST(VisionTransformer, FullVits16MatchesPythonOnOurSavedCheckpoint) {
  const std::string script = std::string(OML_SOURCE_DIR) + "/tests/fixtures/make_vit_reference.py";
  if (!fs::exists(testing::python_interpreter())) GTEST_SKIP() << "no /usr/bin/python3";
  torch::set_num_threads(1);
  torch::manual_seed(3);
  const auto dir = fs::temp_directory_path() / ("oml_test_vits16_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  VisionTransformer vit(vit_config_for_arch("vits16"));
  vit->eval();
  {
    torch::NoGradGuard no_grad;  // LayerNorm defaults are 1/0: randomise them so they matter
    for (auto& entry : module_state(*vit)) {
      if (entry.first.find("norm") != std::string::npos)
        entry.second.copy_(torch::randn_like(entry.second) * 0.1 + 0.5);
    }
  }
  save_module_state(*vit, (dir / "vits16.pth").string());
  // 224x224 uses the stored grid; 64x96 resamples it to 4x6.
  for (const auto& [height, width] : std::vector<std::pair<int64_t, int64_t>>{{224, 224}, {64, 96}}) {
    const auto images = torch::randn({2, 3, height, width});
    write_torch_file((dir / "in.pth").string(), {{"images", images}});
    const std::string command = testing::python_interpreter() + " " + script + " --full " +
                                (dir / "vits16.pth").string() + " " + (dir / "in.pth").string() + " " +
                                (dir / "out.pth").string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const auto expected = read_state_dict((dir / "out.pth").string()).at(0).second;
    torch::NoGradGuard no_grad;
    const auto features = vit->forward(images);
    ASSERT_EQ(features.sizes(), expected.sizes());
    EXPECT_LE((features - expected).abs().max().item<float>(), 1e-4) << height << "x" << width;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace oml
