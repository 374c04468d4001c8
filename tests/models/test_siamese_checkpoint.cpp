#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "oml/common/errors.h"
#include "oml/io/npy.h"
#include "oml/models/checkpoint.h"
#include "oml/models/siamese_checkpoint.h"

namespace oml {
namespace {

namespace fs = std::filesystem;

ViTConfig tiny_config() { return ViTConfig{"tiny", 16, 32, 2, 2, 64, 14}; }
std::string fixture(const std::string& name) {
  return std::string(OML_SOURCE_DIR) + "/tests/fixtures/siamese/" + name;
}

class SiameseCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(1);
    dir_ = fs::temp_directory_path() / ("oml_siamese_ckpt_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SiameseCheckpointTest, LoadsLightningFileWithModelPrefixAndMatchesTorchvisionHead) {
  EXPECT_EQ(read_siamese_mlp_dims(fixture("tiny_lightning.ckpt")), std::vector<int64_t>{8});
  ConcatSiamese model(tiny_config(), std::vector<int64_t>{8});
  load_concat_siamese(*model, fixture("tiny_lightning.ckpt"));
  model->eval();
  const Matrix input = read_npy(fixture("head_input.npy"));
  const Matrix expected = read_npy(fixture("head_output.npy"));
  torch::NoGradGuard no_grad;
  const auto features = torch::from_blob(const_cast<float*>(input.values.data()), {input.rows, input.cols});
  const auto out = model->head()->forward(features).reshape({-1});
  ASSERT_EQ(out.numel(), expected.cols);
  for (int64_t i = 0; i < expected.cols; ++i) EXPECT_NEAR(out[i].item<float>(), expected.values[i], 1e-6);
}

TEST_F(SiameseCheckpointTest, StrictLoadingNamesTheProblem) {
  ConcatSiamese wrong_head(tiny_config(), std::vector<int64_t>{16});
  try {
    load_concat_siamese(*wrong_head, fixture("tiny_lightning.ckpt"));
    FAIL() << "a head of another size must not load";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("head.0.weight"));
  }
  ConcatSiamese two_layers(tiny_config(), std::vector<int64_t>{8, 4});
  EXPECT_THROW(load_concat_siamese(*two_layers, fixture("tiny_lightning.ckpt")), InputError);
}

TEST_F(SiameseCheckpointTest, SaveThenLoadGivesTheSameTensors) {
  ConcatSiamese original(tiny_config(), std::vector<int64_t>{8, 4});
  const auto path = (dir_ / "s.pth").string();
  save_concat_siamese(*original, path);
  ConcatSiamese copy(tiny_config(), std::vector<int64_t>{8, 4});
  load_concat_siamese(*copy, path);
  const auto a = original->named_parameters(true);
  const auto b = copy->named_parameters(true);
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  EXPECT_EQ(read_siamese_mlp_dims(path), (std::vector<int64_t>{8, 4}));
}

TEST_F(SiameseCheckpointTest, ExtractorWeightsInitialiseTheBackboneOnly) {
  // An extractor file (OML ViTExtractor keys, "model." prefix) taken from the siamese fixture.
  auto state = strip_key_prefix(read_state_dict(fixture("tiny_lightning.ckpt")), "extractor.", "fixture");
  NamedTensors extractor;
  for (auto& [key, value] : state) {
    if (key.rfind("extractor.", 0) == 0) extractor.emplace_back(key.substr(10), value);
  }
  const auto path = (dir_ / "extractor.pth").string();
  write_torch_file(path, extractor);
  ConcatSiamese model(tiny_config(), std::vector<int64_t>{8});
  const auto head_before = model->named_parameters(true)["head.0.weight"].clone();
  load_extractor_into_siamese(*model, path);
  const auto params = model->named_parameters(true);
  EXPECT_TRUE(torch::equal(params["extractor.model.norm.bias"], extractor.back().second));
  EXPECT_TRUE(torch::equal(params["head.0.weight"], head_before));
  // A siamese file is not an extractor: its head keys lack the extractor prefix.
  EXPECT_THROW(load_extractor_into_siamese(*model, fixture("tiny_lightning.ckpt")), InputError);
}

TEST_F(SiameseCheckpointTest, PythonTorchLoadReadsOurFileWithOmlKeysAndHead) {
  if (!fs::exists("/usr/bin/python3") ||
      std::system("/usr/bin/python3 -c 'import torch, torchvision' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with torch/torchvision not available";
  }
  ConcatSiamese model(tiny_config(), std::vector<int64_t>{8});
  model->eval();
  const auto path = (dir_ / "s.pth").string();
  save_concat_siamese(*model, path);
  const auto out_path = (dir_ / "python.txt").string();
  const std::string script = R"PY(
import sys, torch
sys.path.insert(0, sys.argv[3])
from make_siamese_reference import oml_head
sd = torch.load(sys.argv[1])
head = oml_head(32, [8]).eval()
head.load_state_dict({k[5:]: v for k, v in sd.items() if k.startswith("head.")}, strict=True)
x = torch.linspace(-1, 1, 32).reshape(1, 32)
with open(sys.argv[2], "w") as f:
    f.write(" ".join(sd.keys()) + "\n")
    f.write(repr(float(head(x)[0, 0])) + "\n")
    f.write(str(all(v.dtype == torch.float32 for v in sd.values())) + "\n")
)PY";
  const auto script_path = (dir_ / "check.py").string();
  std::ofstream(script_path) << script;
  const std::string command = "/usr/bin/python3 " + script_path + " " + path + " " + out_path + " " +
                              std::string(OML_SOURCE_DIR) + "/tests/fixtures";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(out_path);
  std::string keys_line;
  std::string value_line;
  std::string dtype_line;
  std::getline(in, keys_line);
  std::getline(in, value_line);
  std::getline(in, dtype_line);
  std::string expected_keys;
  for (const auto& item : model->named_parameters(true))
    expected_keys += (expected_keys.empty() ? "" : " ") + item.key();
  EXPECT_EQ(keys_line, expected_keys);
  EXPECT_EQ(dtype_line, "True");
  torch::NoGradGuard no_grad;
  const float ours = model->head()->forward(torch::linspace(-1, 1, 32).reshape({1, 32})).item<float>();
  EXPECT_NEAR(std::stod(value_line), ours, 1e-6);
}

}  // namespace
}  // namespace oml
