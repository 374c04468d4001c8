// `oml extract` end to end against the same pipeline in plain PyTorch (make_vit_reference.py
// --e2e): PIL decoding, squash resize, normalisation and a vits16 with random weights.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "oml/io/npy.h"

namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult result;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) result.output += buffer;
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class ExtractCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("oml_test_extract_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    csv_ = (dir_ / "df.csv").string();
    // Train and validation rows, RGBA/palette/gray/BMP sources: every row is embedded in CSV order.
    std::ofstream(csv_) << "label,path,split,is_query,is_gallery,x_1,x_2,y_1,y_2\n"
                           "0,board.jpg,train,,,0,10,0,10\n"
                           "0,flower.jpg,train,,,,,,\n"
                           "1,photo.bmp,validation,True,True,,,,\n"
                           "1,palette.png,validation,True,False,,,,\n"
                           "1,rgba.png,validation,False,True,,,,\n"
                           "2,gray.jpg,validation,True,True,,,,\n";
    root_ = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string extract_command(const std::string& weights, const std::string& out,
                              const std::string& extra = "") const {
    return std::string(OML_CLI_PATH) + " extract --csv " + csv_ + " --root " + root_ + " --weights " +
           weights + " --size 64 --batch-size 4 --threads 1 --out " + out + " " + extra;
  }

  fs::path dir_;
  std::string csv_;
  std::string root_;
};

TEST_F(ExtractCli, MatchesPyTorchPipelineInCsvOrder) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  const auto ckpt = (dir_ / "vits16.pth").string();
  const auto reference = (dir_ / "reference.npy").string();
  const std::string script = std::string(OML_SOURCE_DIR) + "/tests/fixtures/make_vit_reference.py";
  const auto made =
      run("/usr/bin/python3 " + script + " --e2e " + csv_ + " " + root_ + " 64 " + ckpt + " " + reference);
  ASSERT_EQ(made.exit_code, 0) << made.output;

  const auto out = (dir_ / "emb.npy").string();
  const auto result = run(extract_command(ckpt, out));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const oml::Matrix ours = oml::read_npy(out);
  const oml::Matrix expected = oml::read_npy(reference);
  ASSERT_EQ(ours.rows, 6);
  ASSERT_EQ(ours.cols, 384);
  ASSERT_EQ(expected.rows, 6);
  float worst = 0;
  for (size_t i = 0; i < ours.values.size(); ++i)
    worst = std::max(worst, std::abs(ours.values[i] - expected.values[i]));
  EXPECT_LE(worst, 1e-4);

  // --normalise gives unit rows; --crop-bboxes changes only the row with a box (row 0).
  const auto normalised = (dir_ / "norm.npy").string();
  ASSERT_EQ(run(extract_command(ckpt, normalised, "--normalise --crop-bboxes")).exit_code, 0);
  const oml::Matrix unit = oml::read_npy(normalised);
  for (int64_t r = 0; r < unit.rows; ++r) {
    double norm = 0, dot = 0, ref_norm = 0;
    for (int64_t c = 0; c < unit.cols; ++c) {
      norm += unit.row(r)[c] * unit.row(r)[c];
      dot += unit.row(r)[c] * ours.row(r)[c];
      ref_norm += ours.row(r)[c] * ours.row(r)[c];
    }
    EXPECT_NEAR(norm, 1.0, 1e-5) << r;
    const double cosine = dot / std::sqrt(ref_norm);
    if (r == 0) {
      EXPECT_LT(cosine, 0.999) << "row 0 should be embedded from its 10x10 crop";
    } else {
      EXPECT_NEAR(cosine, 1.0, 1e-5) << r;
    }
  }
}

TEST_F(ExtractCli, Resnet18MatchesTorchvisionPipeline) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  const auto ckpt = (dir_ / "r18.pth").string();
  const auto reference = (dir_ / "reference.npy").string();
  const std::string script = std::string(OML_SOURCE_DIR) + "/tests/fixtures/make_resnet_reference.py";
  const auto made =
      run("/usr/bin/python3 " + script + " e2e " + csv_ + " " + root_ + " 64 resnet18 " + ckpt + " " + reference);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const auto out = (dir_ / "emb.npy").string();
  const auto result = run(extract_command(ckpt, out, "--arch resnet18"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("resnet18"));
  const oml::Matrix ours = oml::read_npy(out);
  const oml::Matrix expected = oml::read_npy(reference);
  ASSERT_EQ(ours.rows, 6);
  ASSERT_EQ(ours.cols, 512);
  ASSERT_EQ(expected.cols, 512);
  float worst = 0, largest = 0;
  for (size_t i = 0; i < ours.values.size(); ++i) {
    worst = std::max(worst, std::abs(ours.values[i] - expected.values[i]));
    largest = std::max(largest, std::abs(expected.values[i]));
  }
  EXPECT_LE(worst, 1e-4 * largest);
  // ResNet-only options are refused for a ViT.
  const auto refused = run(extract_command(ckpt, (dir_ / "x.npy").string(), "--arch vits16 --gem-p 3"));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.output, HasSubstr("--gem-p applies to ResNet archs only"));
}

TEST_F(ExtractCli, BadWeightsExitTwoAndLeaveNoOutput) {
  const auto out = (dir_ / "emb.npy").string();
  const std::string tiny = std::string(OML_SOURCE_DIR) + "/tests/fixtures/vit/tiny.pth";
  const auto result = run(extract_command(tiny, out));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("tiny.pth: the weights do not fit arch vits16"));
  EXPECT_FALSE(fs::exists(out));

  const auto garbage = run(extract_command(csv_, out));
  EXPECT_EQ(garbage.exit_code, 2);
  EXPECT_THAT(garbage.output, HasSubstr("not a PyTorch checkpoint"));
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ExtractCli, PretrainedTransformNeedsAZooName) {
  const auto out = (dir_ / "emb.npy").string();
  const auto result = run(extract_command(csv_, out, "--transform pretrained"));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("--transform pretrained needs a zoo name for --weights"));
  const auto precision = run(extract_command(csv_, out, "--precision fp16"));
  EXPECT_EQ(precision.exit_code, 2);
  EXPECT_THAT(precision.output, HasSubstr("--precision: expected fp32 or bf16"));
}

TEST_F(ExtractCli, ZooNameOfflineSaysWhatToFetchAndWhere) {
  const auto cache = dir_ / "xdg";
  const auto out = (dir_ / "emb.npy").string();
  // No network to the zoo host here; a broken proxy makes sure of it where there is one.
  const auto result = run("XDG_CACHE_HOME=" + cache.string() + " https_proxy=http://127.0.0.1:9 " +
                          extract_command("vits16_dino", out));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(
      result.output,
      HasSubstr("dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth"));
  EXPECT_THAT(result.output, HasSubstr((cache / "oml/torch/checkpoints/vits16_dino.ckpt").string()));
  EXPECT_FALSE(fs::exists(out));
}

TEST(ZooCli, ListsNamesArchTransformAndCacheStatus) {
  const auto result = run("XDG_CACHE_HOME=/nonexistent-oml-cache " + std::string(OML_CLI_PATH) + " zoo");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("vits16_dino             vits16             no        squash(224)      not downloaded"));
  EXPECT_THAT(result.output, HasSubstr("vits16_sop              vits16             yes       hypvit(224,224)"));
  EXPECT_THAT(result.output, HasSubstr("resnet50_moco_v2        resnet50_projector no        squash(224)"));
  EXPECT_THAT(result.output, HasSubstr("cache: /nonexistent-oml-cache/oml/torch/checkpoints"));
}

}  // namespace
