// OML's ResnetExtractor against torchvision's ResNets built by tests/fixtures/make_resnet_reference.py:
// checkpoints load both ways and features agree on the same inputs.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "oml/common/errors.h"
#include "oml/models/checkpoint.h"
#include "oml/models/extractor_factory.h"
#include "oml/models/resnet.h"
#include "oml/models/siamese.h"
#include "oml/models/siamese_checkpoint.h"

namespace oml {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kPython = "/usr/bin/python3";

class ResNetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    dir_ = fs::temp_directory_path() /
           ("oml_resnet_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  void python(const std::string& arguments) const {
    if (!fs::exists(kPython)) GTEST_SKIP() << "no " << kPython;
    const std::string command =
        kPython + " " + OML_SOURCE_DIR + "/tests/fixtures/make_resnet_reference.py " + arguments;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  // Python's features of INPUTS for a checkpoint loaded with OML's rules.
  torch::Tensor python_features(const std::string& ckpt, const std::string& arch, double gem_p, bool remove_fc,
                                const torch::Tensor& images) const {
    write_torch_file(path("in.pth"), {{"images", images}});
    python(fmt::format("embed {} {} {} {} {} {}", ckpt, arch, gem_p, remove_fc ? 1 : 0, path("in.pth"),
                       path("out.pth")));
    return read_state_dict(path("out.pth")).at(0).second;
  }

  static float relative_error(const torch::Tensor& ours, const torch::Tensor& expected) {
    return ((ours - expected).abs().max() / expected.abs().max()).item<float>();
  }

  fs::path dir_;
};

std::shared_ptr<ExtractorModule> loaded(const std::string& arch, std::optional<double> gem_p, bool remove_fc,
                                        const std::string& ckpt) {
  ExtractorSpec spec;
  spec.arch = arch;
  spec.gem_p = gem_p;
  spec.remove_fc = remove_fc;
  auto model = make_extractor_module(spec);
  model->load_checkpoint(ckpt);
  model->eval();
  return model;
}

TEST(ResNetConfig, ArchsAndFeatureSizes) {
  EXPECT_EQ(known_resnet_archs().size(), 6u);
  EXPECT_EQ(resnet_config_for_arch("resnet34").blocks, (std::array<int64_t, 4>{3, 4, 6, 3}));
  EXPECT_EQ(resnet_config_for_arch("resnet152").blocks, (std::array<int64_t, 4>{3, 8, 36, 3}));
  EXPECT_THROW(resnet_config_for_arch("resnet19"), InputError);
  EXPECT_EQ(ResNetExtractorImpl(resnet_config_for_arch("resnet18"), std::nullopt, true, false).feat_dim(), 512);
  EXPECT_EQ(ResNetExtractorImpl(resnet_config_for_arch("resnet50"), std::nullopt, true, false).feat_dim(), 2048);
  EXPECT_EQ(ResNetExtractorImpl(resnet_config_for_arch("resnet50"), std::nullopt, false, false).feat_dim(), 1000);
  EXPECT_EQ(ResNetExtractorImpl(resnet_config_for_arch("resnet50_projector"), 5.0, false, false).feat_dim(), 128);
  ExtractorSpec vit_with_gem;
  vit_with_gem.gem_p = 3.0;
  EXPECT_THROW(check_extractor_spec(vit_with_gem), InputError);
}

TEST(ResNetConfig, StateDictKeysAreTorchvisions) {
  ResNet model(resnet_config_for_arch("resnet50"), std::nullopt, true);
  std::vector<std::string> keys;
  for (const auto& [key, value] : module_state(*model)) keys.push_back(key);
  // torchvision's resnet50 state dict has 320 entries (num_batches_tracked included).
  EXPECT_EQ(keys.size(), 320u);
  EXPECT_EQ(keys.front(), "conv1.weight");
  EXPECT_THAT(keys, ::testing::Contains("layer2.0.downsample.0.weight"));
  EXPECT_THAT(keys, ::testing::Contains("layer2.0.downsample.1.num_batches_tracked"));
  EXPECT_THAT(keys, ::testing::Contains("layer4.2.bn3.running_var"));
  EXPECT_THAT(keys, ::testing::Contains("fc.bias"));
}

TEST(GemPool, MatchesTheFormulaAndAverageAtPowerOne) {
  const auto x = torch::tensor({0.0f, 1.0f, 2.0f, 3.0f}).view({1, 1, 2, 2});
  // ((1e-6^3 + 1 + 8 + 27) / 4)^(1/3)
  EXPECT_NEAR(gem_pool(x, 3.0).item<float>(), std::cbrt(9.0f), 1e-5);
  EXPECT_NEAR(gem_pool(x, 1.0).item<float>(), 1.5f, 1e-6);
}

TEST_F(ResNetTest, Resnet18MatchesTorchvisionWithAverageAndGemPooling) {
  python("make resnet18 " + path("r18.pth"));
  if (HasFatalFailure() || IsSkipped()) return;
  torch::manual_seed(1);
  const auto images = torch::randn({2, 3, 64, 80});
  for (const std::optional<double> gem_p : {std::optional<double>(), std::optional<double>(3.0)}) {
    auto model = loaded("resnet18", gem_p, true, path("r18.pth"));
    torch::NoGradGuard no_grad;
    const auto ours = model->forward(images);
    const auto expected = python_features(path("r18.pth"), "resnet18", gem_p.value_or(0), true, images);
    ASSERT_EQ(ours.sizes(), expected.sizes());
    EXPECT_EQ(ours.size(1), 512);
    EXPECT_LE(relative_error(ours, expected), 1e-4) << (gem_p ? "gem" : "avg");
  }
}

TEST_F(ResNetTest, Resnet50WithItsFcMatchesTorchvision) {
  python("make resnet50 " + path("r50.pth"));
  if (HasFatalFailure() || IsSkipped()) return;
  torch::manual_seed(2);
  const auto images = torch::randn({1, 3, 64, 64});
  auto model = loaded("resnet50", std::nullopt, false, path("r50.pth"));
  torch::NoGradGuard no_grad;
  const auto ours = model->forward(images);
  const auto expected = python_features(path("r50.pth"), "resnet50", 0, false, images);
  ASSERT_EQ(ours.size(1), 1000);
  EXPECT_LE(relative_error(ours, expected), 1e-4);
}

TEST_F(ResNetTest, MocoCheckpointKeepsTheQueryEncoder) {
  python("make resnet50_projector " + path("moco.pth.tar") + " --moco");
  if (HasFatalFailure() || IsSkipped()) return;
  torch::manual_seed(3);
  const auto images = torch::randn({1, 3, 64, 64});
  torch::NoGradGuard no_grad;
  // remove_fc: the projector loads strictly and is then dropped, as OML does; GeM p=5 as the zoo.
  auto pooled = loaded("resnet50_projector", 5.0, true, path("moco.pth.tar"));
  const auto ours = pooled->forward(images);
  const auto expected = python_features(path("moco.pth.tar"), "resnet50_projector", 5.0, true, images);
  ASSERT_EQ(ours.size(1), 2048);
  EXPECT_LE(relative_error(ours, expected), 1e-4);
  auto projected = loaded("resnet50_projector", 5.0, false, path("moco.pth.tar"));
  const auto ours128 = projected->forward(images);
  const auto expected128 = python_features(path("moco.pth.tar"), "resnet50_projector", 5.0, false, images);
  ASSERT_EQ(ours128.size(1), 128);
  EXPECT_LE(relative_error(ours128, expected128), 1e-4);
}

TEST_F(ResNetTest, OurCheckpointLoadsInTorchvision) {
  if (!fs::exists(kPython)) GTEST_SKIP() << "no " << kPython;
  torch::manual_seed(4);
  auto model = std::make_shared<ResNetExtractorImpl>(resnet_config_for_arch("resnet34"), std::nullopt, true, false);
  {
    torch::NoGradGuard no_grad;  // BatchNorm statistics away from 0/1 so eval mode matters
    for (auto& [key, value] : module_state(*model)) {
      if (key.find("running_var") != std::string::npos) value.uniform_(0.5, 1.5);
      if (key.find("running_mean") != std::string::npos) value.normal_(0, 0.1);
    }
  }
  model->eval();
  save_module_state(model->checkpoint_module(), path("ours.pth"), "model.");  // OML's Lightning-style prefix
  const auto images = torch::randn({2, 3, 48, 48});
  torch::NoGradGuard no_grad;
  const auto ours = model->forward(images);
  const auto expected = python_features(path("ours.pth"), "resnet34", 0, true, images);
  EXPECT_LE(relative_error(ours, expected), 1e-4);
}

TEST_F(ResNetTest, WrongArchNamesTheFileAndKeys) {
  python("make resnet18 " + path("r18.pth"));
  if (HasFatalFailure() || IsSkipped()) return;
  try {
    loaded("resnet34", std::nullopt, true, path("r18.pth"));
    FAIL() << "resnet34 loaded a resnet18 checkpoint";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("r18.pth"));
    EXPECT_THAT(e.what(), HasSubstr("layer1.2"));
  }
}

TEST_F(ResNetTest, ConcatSiameseOverResnet18MatchesPython) {
  if (!fs::exists(kPython)) GTEST_SKIP() << "no " << kPython;
  torch::manual_seed(5);
  ExtractorSpec spec;
  spec.arch = "resnet18";
  ConcatSiamese siamese(make_extractor_module(spec), std::vector<int64_t>{16});
  siamese->eval();
  save_concat_siamese(*siamese, path("siamese.pth"));
  const auto x1 = torch::randn({3, 3, 32, 32});
  const auto x2 = torch::randn({3, 3, 32, 32});
  write_torch_file(path("pairs.pth"), {{"x1", x1}, {"x2", x2}});
  python(fmt::format("siamese {} resnet18 16 {} {}", path("siamese.pth"), path("pairs.pth"), path("s.pth")));
  if (HasFatalFailure()) return;
  const auto expected = read_state_dict(path("s.pth")).at(0).second;
  torch::NoGradGuard no_grad;
  EXPECT_LE((siamese->predict(x1, x2) - expected).abs().max().item<float>(), 1e-5);
  // And back: the file loads strictly into a fresh siamese with the same arch.
  ConcatSiamese again(make_extractor_module(spec), read_siamese_mlp_dims(path("siamese.pth")));
  load_concat_siamese(*again, path("siamese.pth"));
  again->eval();
  EXPECT_TRUE(torch::allclose(again->predict(x1, x2), expected, 1e-5, 1e-5));
}

}  // namespace
}  // namespace oml
