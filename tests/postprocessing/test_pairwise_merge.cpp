#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cfloat>
#include <map>

#include "oml/common/errors.h"
#include "oml/models/siamese.h"
#include "oml/postprocessing/pairwise_reranker.h"

namespace oml {
namespace {

constexpr float kEps = 1000.0f * FLT_EPSILON;

// One query (row 100) whose list holds gallery indices `ids` with distances `d`; gallery index g
// is CSV row 10 + g.
RetrievalResults one_list(const std::vector<int32_t>& ids, const std::vector<float>& d, int galleries = 5) {
  RetrievalResults results;
  results.query_rows = {100};
  for (int g = 0; g < galleries; ++g) results.gallery_rows.push_back(10 + g);
  results.lists.emplace_back();
  for (size_t i = 0; i < ids.size(); ++i) results.lists[0].push_back({ids[i], d[i]});
  return results;
}

// A scripted model: score by gallery index.
PairScoringFunction scripted(const std::map<int32_t, float>& by_gallery) {
  return [by_gallery](const std::vector<std::pair<int64_t, int64_t>>& pairs) {
    std::vector<float> out;
    for (const auto& p : pairs) out.push_back(by_gallery.at(static_cast<int32_t>(p.second - 10)));
    return out;
  };
}

std::vector<int32_t> ids_of(const std::vector<Neighbor>& list) {
  std::vector<int32_t> ids;
  for (const auto& n : list) ids.push_back(n.gallery);
  return ids;
}

void expect_distances(const std::vector<Neighbor>& list, const std::vector<float>& expected) {
  ASSERT_EQ(list.size(), expected.size());
  for (size_t i = 0; i < list.size(); ++i)
    EXPECT_NEAR(list[i].distance, expected[i], 1e-7) << "position " << i;
}

TEST(PairwiseMerge, GoldenGPP1) {
  auto results = one_list({2, 1, 3, 4, 0}, {.2f, .3f, .4f, .5f, .8f});
  rerank_lists(results, 2, scripted({{2, 3.5f}, {1, 2.5f}}));
  EXPECT_EQ(ids_of(results.lists[0]), (std::vector<int32_t>{1, 2, 3, 4, 0}));
  expect_distances(results.lists[0], {0.28559509f, 0.39988080f, .4f, .5f, .8f});
  // Exactly the float32 formula s * float32(0.4 / 3.5) - eps.
  const float factor = .4f / 3.5f;
  EXPECT_EQ(results.lists[0][0].distance, 2.5f * factor - kEps);
}

TEST(PairwiseMerge, GoldenGPP2BothRows) {
  auto row0 = one_list({0, 1, 2, 3, 4}, {1.0f, 1.2f, 1.5f, 2.0f, 2.1f});
  rerank_lists(row0, 3, scripted({{0, .9f}, {1, .2f}, {2, .6f}}));
  EXPECT_EQ(ids_of(row0.lists[0]), (std::vector<int32_t>{1, 2, 0, 3, 4}));
  expect_distances(row0.lists[0], {.2f, .6f, .9f, 2.0f, 2.1f});
  auto row1 = one_list({1, 3, 0, 2, 4}, {.1f, .3f, .5f, .9f, 2.0f});
  rerank_lists(row1, 3, scripted({{1, .7f}, {3, .1f}, {0, .4f}}));
  EXPECT_EQ(ids_of(row1.lists[0]), (std::vector<int32_t>{3, 0, 1, 2, 4}));
  expect_distances(row1.lists[0], {.1f, .4f, .7f, .9f, 2.0f});
}

TEST(PairwiseMerge, DocstringExamples) {
  auto ex1 = one_list({3, 2, 1, 0, 4}, {.1f, .2f, .5f, .6f, .7f});
  rerank_lists(ex1, 3, scripted({{3, .4f}, {2, .2f}, {1, .3f}}));
  EXPECT_EQ(ids_of(ex1.lists[0]), (std::vector<int32_t>{2, 1, 3, 0, 4}));
  expect_distances(ex1.lists[0], {.2f, .3f, .4f, .6f, .7f});
  auto ex2 = one_list({0, 1, 2, 3, 4}, {.1f, .2f, .3f, .5f, .6f});
  rerank_lists(ex2, 3, scripted({{0, 1.f}, {1, 2.f}, {2, 5.f}}));
  EXPECT_EQ(ids_of(ex2.lists[0]), (std::vector<int32_t>{0, 1, 2, 3, 4}));
  expect_distances(ex2.lists[0], {0.09988079f, 0.19988079f, 0.49988079f, .5f, .6f});
}

TEST(PairwiseMerge, TopNLongerThanTheListRescoresEverythingWithoutRescaling) {
  auto results = one_list({0, 1, 2}, {.1f, .2f, .3f});
  rerank_lists(results, 10, scripted({{0, 7.f}, {1, 5.f}, {2, 6.f}}));
  EXPECT_EQ(ids_of(results.lists[0]), (std::vector<int32_t>{1, 2, 0}));
  expect_distances(results.lists[0], {5.f, 6.f, 7.f});
}

TEST(PairwiseMerge, TopNOneRescoresTheFirstItemOnly) {
  auto high = one_list({4, 0, 1}, {.1f, .2f, .3f});
  rerank_lists(high, 1, scripted({{4, .9f}}));
  EXPECT_EQ(ids_of(high.lists[0]), (std::vector<int32_t>{4, 0, 1}));
  EXPECT_EQ(high.lists[0][0].distance, .9f * (.2f / .9f) - kEps);
  auto low = one_list({4, 0, 1}, {.1f, .2f, .3f});
  rerank_lists(low, 1, scripted({{4, .05f}}));
  expect_distances(low.lists[0], {.05f, .2f, .3f});
}

TEST(PairwiseMerge, TiesKeepRetrievalOrderAndZeroTailCollapsesTheBlock) {
  auto ties = one_list({3, 1, 2, 0}, {.1f, .2f, .3f, .4f});
  rerank_lists(ties, 3, scripted({{3, .5f}, {1, .2f}, {2, .5f}}));
  EXPECT_EQ(ids_of(ties.lists[0]), (std::vector<int32_t>{1, 3, 2, 0}));
  auto zero = one_list({3, 1, 2, 0}, {0.f, 0.f, 0.f, 0.f});
  rerank_lists(zero, 2, scripted({{3, .5f}, {1, .2f}}));
  EXPECT_EQ(ids_of(zero.lists[0]), (std::vector<int32_t>{1, 3, 2, 0}));
  expect_distances(zero.lists[0], {-kEps, -kEps, 0.f, 0.f});
}

TEST(PairwiseMerge, FusionWeighsTheModelAgainstTheRelativeKnnDistance) {
  // Block distances .2 .3 .4 -> d/d_max .5 .75 1; model scores .9 .1 .5.
  const auto scores = scripted({{2, .9f}, {1, .1f}, {3, .5f}});
  auto oml_rule = one_list({2, 1, 3, 4}, {.2f, .3f, .4f, .5f});
  rerank_lists(oml_rule, 3, scores);
  EXPECT_EQ(ids_of(oml_rule.lists[0]), (std::vector<int32_t>{1, 3, 2, 4}));
  // w = .5: .7, .425, .75 -> 1 2 3.
  auto half = one_list({2, 1, 3, 4}, {.2f, .3f, .4f, .5f});
  rerank_lists(half, 3, scores, nullptr, 0.5);
  EXPECT_EQ(ids_of(half.lists[0]), (std::vector<int32_t>{1, 2, 3, 4}));
  // w = 1 is the retrieval order whatever the model says.
  auto knn_only = one_list({2, 1, 3, 4}, {.2f, .3f, .4f, .5f});
  rerank_lists(knn_only, 3, scores, nullptr, 1.0);
  EXPECT_EQ(ids_of(knn_only.lists[0]), (std::vector<int32_t>{2, 1, 3, 4}));
  EXPECT_LT(knn_only.lists[0][2].distance, .5f);
}

TEST(PairwiseMerge, ScoringOnceThenMergingEqualsRerankLists) {
  const auto score = scripted({{2, .9f}, {1, .1f}, {3, .5f}, {4, .3f}});
  const auto base = one_list({2, 1, 3, 4, 0}, {.2f, .3f, .4f, .5f, .6f});
  const auto block_scores = score_top_blocks(base, 4, score);
  ASSERT_EQ(block_scores.size(), 4u);
  for (const double fuse : {0.0, 0.25, 0.75}) {
    auto merged = base;
    merge_scored_blocks(merged, 4, block_scores, fuse);
    auto direct = base;
    rerank_lists(direct, 4, score, nullptr, fuse);
    EXPECT_EQ(ids_of(merged.lists[0]), ids_of(direct.lists[0])) << "fuse " << fuse;
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ(merged.lists[0][i].distance, direct.lists[0][i].distance);
  }
  auto bad = base;
  EXPECT_THROW(merge_scored_blocks(bad, 4, block_scores, 1.5), InputError);
  EXPECT_THROW(merge_scored_blocks(bad, 4, std::vector<float>{.1f}, 0.0), std::logic_error);
}

TEST(PairwiseMerge, EmptyListsAndOverridesSortedByGallery) {
  RetrievalResults results = one_list({4, 0, 2, 1}, {.1f, .2f, .3f, .4f});
  results.query_rows.push_back(101);
  results.lists.emplace_back();  // a query with nothing retrieved
  std::vector<std::vector<Neighbor>> overrides;
  rerank_lists(results, 3, scripted({{4, .3f}, {0, .1f}, {2, .2f}}), &overrides);
  ASSERT_EQ(overrides.size(), 2u);
  EXPECT_TRUE(overrides[1].empty());
  ASSERT_EQ(overrides[0].size(), 3u);
  EXPECT_EQ(overrides[0][0].gallery, 0);
  EXPECT_EQ(overrides[0][1].gallery, 2);
  EXPECT_EQ(overrides[0][2].gallery, 4);
  EXPECT_EQ(overrides[0][2].distance, .3f);
}

// OML's property test: an identity linear / trivial distance model keeps the order and values.
TEST(PairwiseMerge, IdentityDistanceModelsKeepTheRanking) {
  torch::set_num_threads(1);
  torch::manual_seed(5);
  const int64_t queries = 12;
  const int64_t galleries = 40;
  const auto emb = torch::randn({queries + galleries, 8});  // rows 0..11 queries, then galleries
  LinearTrivialDistanceSiamese linear(8, true);
  TrivialDistanceSiamese trivial;
  for (PairwiseModel* model : std::vector<PairwiseModel*>{linear.get(), &trivial}) {
    const auto score = [&](const std::vector<std::pair<int64_t, int64_t>>& pairs) {
      std::vector<int64_t> a, b;
      for (const auto& p : pairs) {
        a.push_back(p.first);
        b.push_back(p.second);
      }
      torch::NoGradGuard no_grad;
      const auto s =
          model->predict(emb.index_select(0, torch::tensor(a)), emb.index_select(0, torch::tensor(b)));
      return std::vector<float>(s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
    };
    RetrievalResults results;
    for (int64_t q = 0; q < queries; ++q) results.query_rows.push_back(q);
    for (int64_t g = 0; g < galleries; ++g) results.gallery_rows.push_back(queries + g);
    for (int64_t q = 0; q < queries; ++q) {
      std::vector<std::pair<int64_t, int64_t>> pairs;
      for (int64_t g = 0; g < galleries; ++g) pairs.emplace_back(q, queries + g);
      const auto d = score(pairs);
      std::vector<Neighbor> list;
      for (int32_t g = 0; g < galleries; ++g) list.push_back({g, d[static_cast<size_t>(g)]});
      std::stable_sort(list.begin(), list.end(), [](auto& x, auto& y) { return x.distance < y.distance; });
      list.resize(30);
      results.lists.push_back(list);
    }
    for (int64_t top_n : {2, 5, 100}) {
      auto reranked = results;
      rerank_lists(reranked, top_n, score);
      for (int64_t q = 0; q < queries; ++q) {
        EXPECT_EQ(ids_of(reranked.lists[q]), ids_of(results.lists[q])) << "top_n " << top_n;
        for (size_t i = 0; i < results.lists[q].size(); ++i) {
          EXPECT_NEAR(reranked.lists[q][i].distance, results.lists[q][i].distance, 1e-5);
        }
      }
    }
  }
}

}  // namespace
}  // namespace oml
