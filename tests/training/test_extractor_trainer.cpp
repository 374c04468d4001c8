#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "oml/common/errors.h"
#include "oml/models/checkpoint.h"
#include "oml/training/extractor_trainer.h"
#include "oml/training/training_state.h"

namespace oml::training {
namespace {

namespace fs = std::filesystem;

// A tiny dataset: every label is a random 4x4 grid of colour cells (upscaled to 32x32); its
// instances add pixel noise and shift the grid by up to 2 px. 6 train labels and 4 validation
// labels, 4 images each; validation rows are both queries and galleries (1 vs rest).
class TinyDataset {
 public:
  // One directory per test: ctest runs the tests of this fixture as parallel processes.
  TinyDataset()
      : dir_(fs::path(OML_BINARY_DIR) /
             ("test_training_tiny_" +
              std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "images");
    std::ofstream csv(dir_ / "df.csv");
    csv << "label,path,split,is_query,is_gallery\n";
    std::mt19937 rng(7);
    for (int label = 0; label < 10; ++label) {
      cv::Mat cells(4, 4, CV_8UC3);
      for (int i = 0; i < 16 * 3; ++i) cells.data[i] = static_cast<uint8_t>(rng() % 256);
      const bool train = label < 6;
      for (int instance = 0; instance < 4; ++instance) {
        cv::Mat image(32, 32, CV_8UC3);
        const int dx = static_cast<int>(rng() % 5) - 2;
        const int dy = static_cast<int>(rng() % 5) - 2;
        for (int y = 0; y < 32; ++y) {
          for (int x = 0; x < 32; ++x) {
            const int cy = std::clamp((y + dy) / 8, 0, 3);
            const int cx = std::clamp((x + dx) / 8, 0, 3);
            for (int c = 0; c < 3; ++c) {
              const int noise = static_cast<int>(rng() % 41) - 20;
              image.at<cv::Vec3b>(y, x)[c] =
                  cv::saturate_cast<uint8_t>(cells.at<cv::Vec3b>(cy, cx)[c] + noise);
            }
          }
        }
        const std::string name = "images/" + std::to_string(label) + "_" + std::to_string(instance) + ".png";
        cv::imwrite((dir_ / name).string(), image);
        csv << label << "," << name << "," << (train ? "train,," : "validation,True,True") << "\n";
      }
    }
  }
  ~TinyDataset() { fs::remove_all(dir_); }
  std::string csv() const { return (dir_ / "df.csv").string(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

class ExtractorTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }

  ExtractorTrainingOptions tiny_options(const std::string& out_name) const {
    ExtractorTrainingOptions options;
    options.csv_path = data_.csv();
    // 2 blocks of width 32 at 32 px: 2x2 patches, so the test trains in seconds.
    options.arch_override = ViTConfig{"test-tiny", 16, 32, 2, 2, 64, 2};
    options.size = 32;
    options.out_path = data_.path(out_name);
    options.n_labels = 3;
    options.n_instances = 4;  // 6 train labels -> 2 batches of 12 per epoch
    options.epochs = 3;
    options.lr = 1e-3;
    options.threads = 1;
    options.eval_batch_size = 7;  // not a divisor of the 16 validation rows
    options.show_progress = false;
    options.log = [this](const std::string& line) { log_.push_back(line); };
    return options;
  }

  TinyDataset data_;
  mutable std::vector<std::string> log_;
};

TEST_F(ExtractorTrainerTest, SameSeedGivesTheSameLossCurveAndDifferentSeedDoesNot) {
  const auto first = train_extractor(tiny_options("a.pth"));
  const auto second = train_extractor(tiny_options("b.pth"));
  ASSERT_EQ(first.step_losses.size(), 6u);
  EXPECT_EQ(first.steps_per_epoch, 2);
  EXPECT_EQ(first.batch_size, 12);
  EXPECT_EQ(first.step_losses, second.step_losses);  // bit-identical
  for (double loss : first.step_losses) EXPECT_TRUE(std::isfinite(loss));
  auto other = tiny_options("c.pth");
  other.seed = 1;
  EXPECT_NE(train_extractor(other).step_losses, first.step_losses);
}

TEST_F(ExtractorTrainerTest, ValidatesEachEpochAndSavesTheBestAsAnExtractorCheckpoint) {
  const auto options = tiny_options("best.pth");
  const auto summary = train_extractor(options);
  ASSERT_EQ(summary.epochs.size(), 3u);
  std::optional<double> best;
  int64_t best_epoch = 0;
  for (const auto& epoch : summary.epochs) {
    ASSERT_TRUE(epoch.validation.has_value());
    EXPECT_EQ(epoch.validation->queries, 16);
    ASSERT_TRUE(epoch.validation->map5.has_value());
    EXPECT_GE(*epoch.validation->cmc1, 0.0);
    EXPECT_LE(*epoch.validation->cmc1, 1.0);
    if (!best || *epoch.validation->map5 > *best) {
      best = epoch.validation->map5;
      best_epoch = epoch.epoch;
    }
  }
  EXPECT_EQ(summary.best_epoch, best_epoch);
  EXPECT_EQ(summary.best_score, best);
  // The checkpoint has exactly the DINO keys of the ViT: 4 + 12 per block + 2 final-norm tensors.
  const NamedTensors state = read_state_dict(options.out_path);
  ASSERT_EQ(state.size(), 4u + 12u * 2u + 2u);
  EXPECT_EQ(state.front().first, "cls_token");
  EXPECT_EQ(state.back().first, "norm.bias");
  EXPECT_TRUE(fs::exists(last_checkpoint_path(options.out_path)));
  const TrainingState saved = read_training_state(training_state_path(options.out_path));
  EXPECT_EQ(saved.epochs_done, 3);
  EXPECT_EQ(saved.best_epoch, best_epoch);
  EXPECT_EQ(saved.history.size(), 3u);
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find("epoch 3/3: loss"), std::string::npos) << log_.back();
  EXPECT_NE(log_.back().find("mAP@5"), std::string::npos) << log_.back();
}

TEST_F(ExtractorTrainerTest, ResumeContinuesExactlyWhereTheSavedEpochEnded) {
  auto uninterrupted = tiny_options("full.pth");
  uninterrupted.schedule = LrScheduleKind::kNone;  // the rate must not depend on --epochs here
  uninterrupted.val_every = 0;
  const auto full = train_extractor(uninterrupted);

  auto interrupted = uninterrupted;
  interrupted.out_path = data_.path("resumed.pth");
  interrupted.epochs = 2;
  const auto part = train_extractor(interrupted);
  interrupted.epochs = 3;
  interrupted.resume = true;
  const auto rest = train_extractor(interrupted);
  EXPECT_EQ(rest.first_epoch, 3);
  ASSERT_EQ(rest.epochs.size(), 1u);
  EXPECT_EQ(rest.epochs[0].epoch, 3);
  std::vector<double> stitched = part.step_losses;
  stitched.insert(stitched.end(), rest.step_losses.begin(), rest.step_losses.end());
  EXPECT_EQ(stitched, full.step_losses);
  // Final weights equal too.
  const NamedTensors a = read_state_dict(uninterrupted.out_path);
  const NamedTensors b = read_state_dict(interrupted.out_path);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
}

TEST_F(ExtractorTrainerTest, ResumeRefusesChangedOptionsOrAMissingState) {
  auto options = tiny_options("refuse.pth");
  options.epochs = 1;
  options.val_every = 0;
  options.resume = true;
  EXPECT_THROW(train_extractor(options), InputError);  // nothing saved yet
  options.resume = false;
  train_extractor(options);
  options.resume = true;
  options.epochs = 2;
  options.lr = 5e-3;
  try {
    train_extractor(options);
    FAIL() << "a changed --lr must be refused";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("lr: saved 0.001"), std::string::npos) << e.what();
  }
}

// The same forward values (so the first loss is bit-identical), a different gradient (so the
// curves part after the first step), and resume refuses a switch between the two.
TEST_F(ExtractorTrainerTest, FullNormaliseGradientKeepsTheForwardAndChangesTheSteps) {
  auto detached = tiny_options("detached.pth");
  detached.val_every = 0;
  auto full = tiny_options("full.pth");
  full.val_every = 0;
  full.normalise_gradient = NormaliseGradient::kFull;
  const auto a = train_extractor(detached);
  const auto b = train_extractor(full);
  ASSERT_EQ(a.step_losses.size(), b.step_losses.size());
  EXPECT_EQ(a.step_losses.front(), b.step_losses.front());
  EXPECT_NE(a.step_losses, b.step_losses);
  for (double loss : b.step_losses) EXPECT_TRUE(std::isfinite(loss));

  full.resume = true;
  full.epochs = 4;
  full.normalise_gradient = NormaliseGradient::kDetached;
  EXPECT_THROW(train_extractor(full), InputError);
  EXPECT_EQ(parse_normalise_gradient("full"), NormaliseGradient::kFull);
  EXPECT_THROW(parse_normalise_gradient("tangent"), InputError);
}

TEST_F(ExtractorTrainerTest, ArcFaceTrainsAndSavesItsHeadUnderCriterion) {
  auto options = tiny_options("arcface.pth");
  options.loss = ExtractorLossKind::kArcFace;
  options.arcface = {16.0, 0.2};
  options.epochs = 2;
  options.val_every = 0;
  const auto summary = train_extractor(options);
  for (double loss : summary.step_losses) EXPECT_TRUE(std::isfinite(loss));
  // read_state_dict drops criterion.* (as OML does), so the extractor loads; the raw file has it.
  EXPECT_EQ(read_state_dict(options.out_path).size(), 30u);
  const auto raw = read_torch_file(options.out_path);
  const auto weight = raw->find("criterion.weight");
  ASSERT_TRUE(weight);
  EXPECT_EQ(weight->tensor.sizes(), (std::vector<int64_t>{6, 32}));
  // And it resumes with the head restored.
  options.epochs = 3;
  options.resume = true;
  EXPECT_EQ(train_extractor(options).first_epoch, 3);
}

TEST_F(ExtractorTrainerTest, LearnsTheTinyDatasetBetterThanChance) {
  auto options = tiny_options("learn.pth");
  options.epochs = 12;
  options.val_every = 12;
  options.lr = 2e-3;
  const auto summary = train_extractor(options);
  ASSERT_TRUE(summary.epochs.back().validation);
  // 4 validation labels x 4 images: a random ranking finds a correct top-1 about 3/15 of the time.
  EXPECT_GT(*summary.epochs.back().validation->cmc1, 0.5);
  EXPECT_LT(summary.epochs.back().mean_loss, summary.epochs.front().mean_loss);
}

TEST_F(ExtractorTrainerTest, RawPixelBaselineScoresTheValidationSplit) {
  const auto scores = evaluate_raw_pixel_baseline(data_.csv(), "", 32, 1, data_.path("raw.npy"));
  EXPECT_EQ(scores.queries, 16);
  // Each label's images differ only by noise and a small shift: raw pixels already match well.
  ASSERT_TRUE(scores.cmc1.has_value());
  EXPECT_GT(*scores.cmc1, 0.5);
  EXPECT_TRUE(fs::exists(data_.path("raw.npy")));
}

TEST_F(ExtractorTrainerTest, RejectsBadOptionsWithInputErrors) {
  auto options = tiny_options("bad.pth");
  options.epochs = 0;
  EXPECT_THROW(train_extractor(options), InputError);
  options = tiny_options("bad.pth");
  options.n_labels = 7;  // only 6 train labels
  EXPECT_THROW(train_extractor(options), InputError);
  EXPECT_THROW(parse_extractor_loss("contrastive"), InputError);
  EXPECT_THROW(parse_optimizer("lion"), InputError);
}

}  // namespace
}  // namespace oml::training
