#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/io/npy.h"
#include "oml/models/siamese.h"
#include "oml/models/siamese_checkpoint.h"
#include "oml/training/reranker_trainer.h"

namespace oml {
namespace {

namespace fs = std::filesystem;

ViTConfig tiny_config() { return ViTConfig{"tiny", 16, 32, 2, 2, 64, 14}; }

class RerankerTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    dir_ = fs::temp_directory_path() / ("oml_reranker_trainer_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string images = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";
    std::ofstream csv(dir_ / "df.csv");
    csv << "label,path,split,is_query,is_gallery\n";
    const std::vector<std::pair<int, std::string>> rows = {
        {1, "flower.jpg"}, {1, "f3_422.jpg"}, {2, "board.jpg"},   {2, "gray.png"},
        {3, "photo.bmp"},  {3, "rgba.png"},   {4, "palette.png"}, {4, "icon_rgba.png"}};
    for (const auto& [label, name] : rows) csv << label << "," << images << name << ",train,,\n";
    csv << "1," << images << "gray.jpg,validation,True,True\n";
    csv.close();
    df_ = read_dataframe((dir_ / "df.csv").string());
    // Embeddings that separate the labels, so hard mining has a clear structure.
    embeddings_ = Matrix{9, 3, {}};
    for (int64_t r = 0; r < 9; ++r) {
      const auto label = static_cast<float>(df_.rows[static_cast<size_t>(r)].label);
      embeddings_.values.insert(embeddings_.values.end(), {label, 0.1f * static_cast<float>(r), 1.0f});
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  RerankerTrainingOptions options(int64_t epochs) const {
    RerankerTrainingOptions o;
    o.image_size = 32;
    o.optimizer = "adam";
    o.lr = 1e-3;
    o.epochs = epochs;
    o.seed = 7;
    o.mining = MiningMode::kAll;  // a fixed pair set per batch: a steadier loss curve than hard mining
    o.threads = 2;
    o.out = (dir_ / "s.pth").string();
    return o;
  }

  RerankerTrainingReport train(const RerankerTrainingOptions& o, ConcatSiamese& model) const {
    torch::manual_seed(o.seed);
    model = ConcatSiamese(tiny_config(), std::vector<int64_t>{32});
    return train_reranker(*model, df_, embeddings_, o);
  }

  fs::path dir_;
  Dataframe df_;
  Matrix embeddings_;
};

TEST_F(RerankerTrainerTest, LowersTheLossAndIsReproducible) {
  constexpr int64_t kEpochs = 60;
  ConcatSiamese model{nullptr};
  const auto report = train(options(kEpochs), model);
  ASSERT_EQ(report.step_losses.size(), 2u * kEpochs);  // 4 labels // 2 = 2 batches per epoch
  EXPECT_EQ(report.first_epoch, 0);
  EXPECT_GT(report.pairs, 0);
  const double first = std::accumulate(report.step_losses.begin(), report.step_losses.begin() + 10, 0.0) / 10;
  const double last = std::accumulate(report.step_losses.end() - 10, report.step_losses.end(), 0.0) / 10;
  EXPECT_LT(last, 0.8 * first) << "first " << first << " last " << last;
  // The checkpoint of the last epoch is a plain siamese state dict.
  ConcatSiamese loaded(tiny_config(), std::vector<int64_t>{32});
  load_concat_siamese(*loaded, options(kEpochs).out);
  EXPECT_TRUE(
      torch::equal(loaded->named_parameters()["head.0.weight"], model->named_parameters()["head.0.weight"]));
  ConcatSiamese again{nullptr};
  EXPECT_EQ(train(options(kEpochs), again).step_losses, report.step_losses);  // same seed, same losses
  auto other = options(kEpochs);
  other.seed = 8;
  ConcatSiamese different{nullptr};
  EXPECT_NE(train(other, different).step_losses, report.step_losses);
}

TEST_F(RerankerTrainerTest, ResumeContinuesExactlyAsAnUninterruptedRun) {
  ConcatSiamese straight{nullptr};
  const auto full = train(options(4), straight);
  ConcatSiamese first_half{nullptr};
  train(options(2), first_half);
  auto resumed_options = options(4);
  resumed_options.resume = resumed_options.out;
  ConcatSiamese resumed{nullptr};
  const auto second = train(resumed_options, resumed);
  EXPECT_EQ(second.first_epoch, 2);
  ASSERT_EQ(second.step_losses.size(), 4u);
  EXPECT_EQ(second.step_losses, std::vector<float>(full.step_losses.begin() + 4, full.step_losses.end()));
  const auto a = straight->named_parameters();
  const auto b = resumed->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
}

TEST_F(RerankerTrainerTest, FrozenBackboneKeepsTheViTUnchanged) {
  auto o = options(2);
  o.freeze_backbone = true;
  o.optimizer = "sgd";
  o.lr = 0.1;
  torch::manual_seed(o.seed);
  ConcatSiamese model(tiny_config(), std::vector<int64_t>{8});
  const auto vit_before = model->named_parameters()["extractor.model.blocks.0.attn.qkv.weight"].clone();
  const auto head_before = model->named_parameters()["head.0.weight"].clone();
  train_reranker(*model, df_, embeddings_, o);
  EXPECT_TRUE(
      torch::equal(model->named_parameters()["extractor.model.blocks.0.attn.qkv.weight"], vit_before));
  EXPECT_FALSE(torch::equal(model->named_parameters()["head.0.weight"], head_before));
}

TEST_F(RerankerTrainerTest, RejectsBadOptions) {
  ConcatSiamese model(tiny_config(), std::vector<int64_t>{8});
  auto o = options(1);
  o.optimizer = "rmsprop";
  EXPECT_THROW(train_reranker(*model, df_, embeddings_, o), InputError);
  o = options(1);
  o.n_labels = 5;  // only 4 train labels
  EXPECT_THROW(train_reranker(*model, df_, embeddings_, o), InputError);
  o = options(1);
  o.resume = (dir_ / "missing.pth").string();
  EXPECT_THROW(train_reranker(*model, df_, embeddings_, o), InputError);
}

}  // namespace
}  // namespace oml
