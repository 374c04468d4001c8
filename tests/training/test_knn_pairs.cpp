// train-reranker's kNN pairs and held-out validation (issue: re-ranking that pays off on held-out
// classes): neighbours, the held-out label draw, and the training loop that uses both.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/io/npy.h"
#include "oml/models/extractor_factory.h"
#include "oml/models/siamese.h"
#include "oml/models/siamese_checkpoint.h"
#include "oml/training/knn_pairs.h"
#include "oml/training/reranker_trainer.h"
#include "oml/training/reranker_validation.h"

namespace oml {
namespace {

namespace fs = std::filesystem;

TEST(NearestOtherRows, SkipsTheRowItselfAndBreaksTiesByPosition) {
  // 1-D points 0, 1, 3, 4, 10 as CSV rows 0..4, plus an unused row 5.
  Matrix embeddings{6, 1, {0.f, 1.f, 3.f, 4.f, 10.f, 2.f}};
  const std::vector<int64_t> rows{0, 1, 2, 3, 4};
  const auto neighbours = nearest_other_rows(embeddings, rows, 2, 1);
  ASSERT_EQ(neighbours.size(), 5u);
  EXPECT_EQ(neighbours[0], (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(neighbours[1], (std::vector<int64_t>{0, 2}));  // 0 and 3 are both 2 away from 1: lower first
  EXPECT_EQ(neighbours[2], (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(neighbours[4], (std::vector<int64_t>{3, 2}));
}

class RerankerKnnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    dir_ = fs::temp_directory_path() / ("oml_knn_pairs_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    const std::string images = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";
    std::ofstream csv(dir_ / "df.csv");
    csv << "label,path,split,is_query,is_gallery\n";
    const std::vector<std::pair<int, std::string>> rows = {
        {1, "flower.jpg"}, {1, "f3_422.jpg"}, {2, "board.jpg"},   {2, "gray.png"},
        {3, "photo.bmp"},  {3, "rgba.png"},   {4, "palette.png"}, {4, "icon_rgba.png"}};
    for (const auto& [label, name] : rows) csv << label << "," << images << name << ",train,,\n";
    csv << "1," << images << "gray.jpg,validation,True,True\n";
    csv << "1," << images << "flower.jpg,validation,True,True\n";
    csv.close();
    df_ = read_dataframe((dir_ / "df.csv").string());
    // Labels 1 and 2 are close together, 3 and 4 too, so each row's nearest other row of a
    // different label is a hard negative.
    const std::vector<float> position{0.f, 0.2f, 0.5f, 0.7f, 5.f, 5.3f, 5.6f, 5.8f, 0.1f, 0.3f};
    embeddings_ = Matrix{10, 1, position};
  }
  void TearDown() override { fs::remove_all(dir_); }

  RerankerTrainingOptions options() const {
    RerankerTrainingOptions o;
    o.image_size = 16;
    o.optimizer = "adam";
    o.lr = 1e-3;
    o.epochs = 2;
    o.seed = 3;
    o.threads = 1;
    o.out = (dir_ / "s.pth").string();
    return o;
  }

  static ConcatSiamese resnet_siamese() {
    torch::manual_seed(0);
    ExtractorSpec spec;
    spec.arch = "resnet18";
    return ConcatSiamese(make_extractor_module(spec), std::vector<int64_t>{8});
  }

  fs::path dir_;
  Dataframe df_;
  Matrix embeddings_;
};

TEST_F(RerankerKnnTest, HoldoutDrawIsSeededAndSplitsLabels) {
  EXPECT_TRUE(training::choose_holdout_labels(df_, 0.0, 1).empty());
  const auto held = training::choose_holdout_labels(df_, 0.5, 1);
  ASSERT_EQ(held.size(), 2u);
  EXPECT_TRUE(std::is_sorted(held.begin(), held.end()));
  EXPECT_EQ(held, training::choose_holdout_labels(df_, 0.5, 1));
  EXPECT_THROW(training::choose_holdout_labels(df_, 0.9, 1), InputError);  // leaves one train label
  EXPECT_THROW(training::choose_holdout_labels(df_, 1.0, 1), InputError);

  const Dataframe holdout = training::holdout_dataframe(df_, {3, 4});
  for (const auto& row : holdout.rows) {
    const bool held_row = row.row >= 4 && row.row < 8;
    EXPECT_EQ(row.is_train, row.row < 4) << row.row;
    EXPECT_EQ(row.is_query, held_row) << row.row;  // the CSV's validation rows are switched off
    EXPECT_EQ(row.is_gallery, held_row) << row.row;
  }
}

TEST_F(RerankerKnnTest, KnnPairsAddEachAnchorsNeighboursOnTop) {
  auto o = options();
  o.epochs = 1;
  o.n_labels = 4;
  o.n_instances = 2;
  o.mining = MiningMode::kHard;
  auto batch_only = resnet_siamese();
  const auto batch_report = train_reranker(*batch_only, df_, embeddings_, o);
  o.pairs = PairSource::kKnn;
  o.knn_top_n = 2;
  auto knn = resnet_siamese();
  const auto knn_report = train_reranker(*knn, df_, embeddings_, o);
  ASSERT_EQ(knn_report.steps, 1);  // 4 labels, 4 per batch
  // The same batch (same seed) plus 8 anchors x 2 neighbours.
  EXPECT_EQ(knn_report.pairs, batch_report.pairs + 16);
  // Each row's 2 nearest other rows: its own label's other row and the closest of the pair label
  // (see the embeddings), so half the kNN pairs are positive; hard mining adds 4 positives.
  EXPECT_EQ(knn_report.positive_pairs - batch_report.positive_pairs, 8);
}

TEST_F(RerankerKnnTest, ValidatesOnHeldOutLabelsAndKeepsBestAndLast) {
  auto o = options();
  o.pairs = PairSource::kKnn;
  o.knn_top_n = 2;
  o.val_top_n = 2;
  o.val_fraction = 0.5;
  std::vector<std::string> lines;
  o.log = [&](const std::string& line) { lines.push_back(line); };
  auto model = resnet_siamese();
  const auto report = train_reranker(*model, df_, embeddings_, o);
  ASSERT_EQ(report.validations.size(), 2u);
  // Plain kNN on the held-out labels is a property of the embeddings alone: the same each epoch.
  EXPECT_EQ(report.validations[0].knn_cmc1, report.validations[1].knn_cmc1);
  EXPECT_GE(report.best_epoch, 1);
  EXPECT_TRUE(fs::exists(o.out));
  EXPECT_TRUE(fs::exists(last_reranker_checkpoint_path(o.out)));
  EXPECT_TRUE(fs::exists(training_state_path(last_reranker_checkpoint_path(o.out))));
  EXPECT_THAT(lines, ::testing::Contains(::testing::HasSubstr("held-out kNN cmc@1")));
  // Fusion weight 0 (OML's rule) is in the grid, so the chosen fusion never scores below it.
  for (const auto& v : report.validations) {
    EXPECT_GE(v.fused_cmc1, v.reranked_cmc1);
    EXPECT_THAT(validation_fuse_weights(), ::testing::Contains(v.fuse));
  }
  // "<out>.json" names the best epoch and its fusion weight.
  std::ifstream choice_file(o.out + ".json");
  ASSERT_TRUE(choice_file.good());
  const auto choice = nlohmann::json::parse(choice_file);
  EXPECT_EQ(choice.at("best_epoch").get<int64_t>(), report.best_epoch);
  EXPECT_EQ(choice.at("fuse").get<double>(), report.best_fuse);
  EXPECT_EQ(choice.at("held_out").at("fused_cmc1").get<double>(),
            report.validations[static_cast<size_t>(report.best_epoch - 1)].fused_cmc1);
  // 2 of 4 labels trained: one batch per epoch.
  EXPECT_EQ(report.steps, 2);

  // The held-out kNN score is the one RetrievalValidator gives on the held-out dataframe.
  const auto held = training::choose_holdout_labels(df_, 0.5, o.seed);
  const Dataframe holdout = training::holdout_dataframe(df_, held);
  const training::RetrievalValidator validator(holdout, 1);
  EXPECT_DOUBLE_EQ(*validator.score(embeddings_).cmc1, report.validations[0].knn_cmc1);

  // The best checkpoint is a plain ConcatSiamese file.
  auto reloaded = resnet_siamese();
  load_concat_siamese(*reloaded, o.out);

  // --resume from the last checkpoint continues after epoch 2 and remembers the best epoch.
  auto resumed = resnet_siamese();
  o.resume = last_reranker_checkpoint_path(o.out);
  o.epochs = 3;
  const auto more = train_reranker(*resumed, df_, embeddings_, o);
  EXPECT_EQ(more.first_epoch, 2);
  ASSERT_EQ(more.validations.size(), 1u);
  EXPECT_GE(more.best_epoch, report.best_epoch);
}

TEST_F(RerankerKnnTest, RejectsBadKnnOptions) {
  auto o = options();
  o.pairs = PairSource::kKnn;
  o.knn_top_n = 0;
  auto model = resnet_siamese();
  EXPECT_THROW(train_reranker(*model, df_, embeddings_, o), InputError);
  o.knn_top_n = 2;
  o.val_fraction = -0.1;
  EXPECT_THROW(train_reranker(*model, df_, embeddings_, o), InputError);
}

}  // namespace
}  // namespace oml
