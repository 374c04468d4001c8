#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "oml/data/dataframe.h"
#include "oml/data/transforms.h"
#include "oml/models/pos_embed_interpolation.h"
#include "oml/models/siamese.h"
#include "oml/models/siamese_checkpoint.h"
#include "oml/models/vit.h"
#include "oml/postprocessing/pairwise_reranker.h"
#include "oml/retrieval/retrieval_problem.h"

namespace oml {
namespace {

namespace fs = std::filesystem;

// Records the pair tensors it is given; scores = mean |x1 - x2| (0 for an image with itself).
class RecordingModel : public PairwiseModel {
 public:
  torch::Tensor forward_pairs(const torch::Tensor& x1, const torch::Tensor& x2) override {
    first.push_back(x1.clone());
    second.push_back(x2.clone());
    return (x1 - x2).abs().flatten(1).mean(1);
  }
  torch::Tensor predict(const torch::Tensor& x1, const torch::Tensor& x2) override {
    return forward_pairs(x1, x2);
  }
  std::vector<torch::Tensor> first;
  std::vector<torch::Tensor> second;
};

class PairwiseImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    dir_ = fs::temp_directory_path() / ("oml_pairwise_images_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string images = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";
    std::ofstream csv(dir_ / "df.csv");
    csv << "label,path,split,is_query,is_gallery\n";
    // Rows 0-1 queries, all five rows galleries; absolute paths override the root.
    csv << "1," << images << "flower.jpg,validation,True,True\n";
    csv << "2," << images << "board.jpg,validation,True,True\n";
    csv << "1," << images << "photo.bmp,validation,False,True\n";
    csv << "2," << images << "gray.png,validation,False,True\n";
    csv << "3," << images << "palette.png,validation,False,True\n";
    csv.close();
    df_ = read_dataframe((dir_ / "df.csv").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  RetrievalResults results_for_all_pairs() const {
    RetrievalResults results;
    results.query_rows = {0, 1};
    results.gallery_rows = {0, 1, 2, 3, 4};
    results.lists = {{{2, .1f}, {3, .2f}, {4, .3f}, {1, .4f}}, {{0, .1f}, {4, .2f}, {3, .3f}, {2, .4f}}};
    return results;
  }

  fs::path dir_;
  Dataframe df_;
};

TEST_F(PairwiseImagesTest, PairsAreSquashedFullImagesQueryFirst) {
  RecordingModel model;
  PairScoringOptions options;
  options.image_size = 32;
  options.batch_size = 3;
  options.threads = 2;
  const auto score = make_image_pair_scorer(model, df_, options);
  const auto scores = score({{0, 2}, {0, 0}, {1, 4}, {1, 0}});
  ASSERT_EQ(scores.size(), 4u);
  EXPECT_EQ(scores[1], 0.0f);  // an image paired with itself
  EXPECT_GT(scores[0], 0.0f);
  ASSERT_EQ(model.first.size(), 2u);  // batches of 3 then 1
  EXPECT_EQ(model.first[0].sizes(), torch::IntArrayRef({3, 3, 32, 32}));
  EXPECT_EQ(model.first[1].sizes(), torch::IntArrayRef({1, 3, 32, 32}));
  // The cached tensors are exactly the squash(32) transform of the decoded file.
  const auto expected = load_transformed(df_.rows[1].image_path, std::nullopt, TransformSpec::squash(32));
  const auto board = torch::from_blob(const_cast<float*>(expected.values.data()), {3, 32, 32});
  EXPECT_TRUE(torch::equal(model.first[1][0], board));
  EXPECT_TRUE(torch::equal(model.second[0][1], model.first[0][0]));  // (0,0): same image both sides
}

TEST_F(PairwiseImagesTest, SmallCacheGivesTheSameScores) {
  RecordingModel model;
  PairScoringOptions options;
  options.image_size = 32;
  const auto all = make_image_pair_scorer(model, df_, options)({{0, 2}, {0, 3}, {1, 4}, {1, 2}, {0, 4}});
  options.cache_bytes = 3 * 32 * 32 * 2;  // two images: one pair per chunk
  const auto chunked = make_image_pair_scorer(model, df_, options)({{0, 2}, {0, 3}, {1, 4}, {1, 2}, {0, 4}});
  EXPECT_EQ(all, chunked);
}

// Batches are counted from the first pair whatever the cache holds, so a share of whole batches
// scored on its own (a torchrun rank's) runs exactly the forward passes of the whole list.
TEST_F(PairwiseImagesTest, ASmallCacheNeverMovesABatchBoundary) {
  RecordingModel model;
  PairScoringOptions options;
  options.image_size = 32;
  options.batch_size = 2;
  options.cache_bytes = 3 * 32 * 32 * 3;  // three images
  // Each batch alone needs four images: a cache filled pair by pair would split every batch.
  const std::vector<RowPair> pairs{{0, 2}, {1, 3}, {0, 4}, {1, 2}, {0, 3}};
  const auto scores = make_image_pair_scorer(model, df_, options)(pairs);
  ASSERT_EQ(model.first.size(), 3u);
  EXPECT_EQ(model.first[0].size(0), 2);
  EXPECT_EQ(model.first[1].size(0), 2);
  EXPECT_EQ(model.first[2].size(0), 1);
  RecordingModel tail_model;
  const auto tail = make_image_pair_scorer(tail_model, df_, options)({pairs.begin() + 2, pairs.end()});
  EXPECT_EQ(tail, std::vector<float>(scores.begin() + 2, scores.end()));
}

TEST_F(PairwiseImagesTest, StackedPairOf64PixelImagesIs128x64WithAn8x4Grid) {
  torch::manual_seed(0);
  ConcatSiamese model(ViTConfig{"tiny", 16, 32, 2, 2, 64, 14}, std::vector<int64_t>{4});
  const auto x = torch::randn({1, 3, 128, 64});
  PatchEmbed patches(16, 32);
  EXPECT_EQ(patches->forward(x).sizes(), torch::IntArrayRef({1, 32, 32}));  // 8 x 4 patches
  PosEmbedInterpolator interpolate(14);
  const auto pos = torch::randn({1, 197, 32});
  EXPECT_EQ(interpolate(pos, 8, 4, 128, 64).sizes(), torch::IntArrayRef({1, 33, 32}));
  EXPECT_FALSE(pos_embed_needs_no_resampling(14, 8, 4, 128, 64));
  model->eval();
  torch::NoGradGuard no_grad;
  const auto a = torch::randn({2, 3, 64, 64});
  const auto b = torch::randn({2, 3, 64, 64});
  const auto expected =
      model->head()->forward(model->extractor()->forward(torch::cat({a, b}, 2))).squeeze(-1);
  EXPECT_TRUE(torch::allclose(model->forward_pairs(a, b), expected));
}

TEST_F(PairwiseImagesTest, PostprocessorEntryLoadsWeightsAndReranks) {
  torch::manual_seed(3);
  ConcatSiamese model(vit_config_for_arch("vitt16"), std::vector<int64_t>{4});
  const auto weights = (dir_ / "s.pth").string();
  save_concat_siamese(*model, weights);
  model->eval();

  const auto entry = pairwise_postprocessor_entry();
  EXPECT_EQ(entry.list_length_key, "top_n");
  PostprocessorOptions options;
  options.set("weights", weights);
  options.set("top_n", "3");
  options.set("size", "32");
  options.set("arch", "vitt16");
  options.set("tta", "0");
  options.set("batch", "4");
  options.set("fuse", "0");
  auto step = entry.make(options);  // mlp read from the checkpoint
  EXPECT_EQ(step->name(), "pairwise");

  auto results = results_for_all_pairs();
  const Matrix embeddings{5, 2, std::vector<float>(10, 0.0f)};
  Matrix queries{2, 2, std::vector<float>(4, 0.0f)};
  const RetrievalProblem problem = make_retrieval_problem(df_);
  PostprocessingContext context{queries, embeddings, problem};
  context.dataframe = &df_;
  context.threads = 2;
  PostprocessingState state = PostprocessingState::initial(context);
  step->process(results, context, state);

  // The same re-ranking done by hand with the model's predict on the same images.
  auto expected = results_for_all_pairs();
  PairScoringOptions scoring;
  scoring.image_size = 32;
  rerank_lists(expected, 3, make_image_pair_scorer(*model, df_, scoring));
  for (size_t q = 0; q < 2; ++q) {
    ASSERT_EQ(results.lists[q].size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(results.lists[q][i].gallery, expected.lists[q][i].gallery);
      EXPECT_NEAR(results.lists[q][i].distance, expected.lists[q][i].distance, 1e-6);
    }
    EXPECT_EQ(state.final_distances.overrides[q].size(), 3u);
  }
  EXPECT_EQ(results.lists[0][3].gallery, 1);  // the tail is untouched
  EXPECT_EQ(results.lists[0][3].distance, .4f);
}

}  // namespace
}  // namespace oml
