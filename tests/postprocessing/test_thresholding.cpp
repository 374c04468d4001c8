#include <gtest/gtest.h>

#include "oml/postprocessing/thresholding.h"
#include "postprocessing/toy_problem.h"

namespace oml {
namespace {

std::vector<Neighbor> list_of(const std::vector<float>& distances) {
  std::vector<Neighbor> list;
  for (size_t i = 0; i < distances.size(); ++i) list.push_back({static_cast<int32_t>(i), distances[i]});
  return list;
}

RetrievalResults results_of(const std::vector<std::vector<float>>& lists) {
  RetrievalResults results;
  for (const auto& d : lists) results.lists.push_back(list_of(d));
  return results;
}

void run(RetrievalPostprocessor& step, RetrievalResults& results) {
  const auto toy = testing::make_toy_problem({{0.0f}, {1.0f}}, {0}, {1});
  PostprocessingState state = PostprocessingState::initial(testing::context_for(toy, 1));
  step.process(results, testing::context_for(toy, 1), state);
}

TEST(ConstantThresholding, KeepsStrictlySmallerDistances) {
  // Spec §13 goldens.
  RetrievalResults results = results_of({{0, .05f, .07f, .1f, .12f, .2f, .2f, .4f}, {.21f, .25f}, {}});
  ConstantThresholding step(0.2);
  run(step, results);
  EXPECT_EQ(testing::distances_of(results.lists[0]), (std::vector<float>{0, .05f, .07f, .1f, .12f}));
  EXPECT_TRUE(results.lists[1].empty());
  EXPECT_TRUE(results.lists[2].empty());
}

TEST(ConstantThresholding, ComparesInFloat32LikeTorch) {
  // float32(0.7) < 0.7 in double, but a distance equal to it is not below th in float32.
  RetrievalResults results = results_of({{0.5f, 0.7f}});
  ConstantThresholding step(0.7);
  run(step, results);
  EXPECT_EQ(testing::distances_of(results.lists[0]), (std::vector<float>{0.5f}));
}

TEST(AdaptiveThresholding, CutsAfterTheFirstLargeGap) {
  // Spec §13 golden: avg gap 34/18, cut at 3 x avg = 5.67.
  RetrievalResults results =
      results_of({{1, 2, 3, 4, 10, 11, 12, 13}, {}, {4, 5, 6, 7}, {3, 4, 5, 12, 13, 14, 20, 21, 22}, {100}});
  AdaptiveThresholding step(3.0);
  run(step, results);
  EXPECT_EQ(testing::distances_of(results.lists[0]), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_TRUE(results.lists[1].empty());
  EXPECT_EQ(testing::distances_of(results.lists[2]), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(testing::distances_of(results.lists[3]), (std::vector<float>{3, 4, 5}));
  EXPECT_EQ(testing::distances_of(results.lists[4]), (std::vector<float>{100}));
}

TEST(AdaptiveThresholding, SmallerFactorCutsEarlier) {
  // gaps 1,1,1,6,1,1,1 (avg 12/7); 2 x avg = 3.43 cuts at the 6, 0.5 x avg = 0.857 cuts at the first 1.
  RetrievalResults wide = results_of({{1, 2, 3, 4, 10, 11, 12, 13}});
  AdaptiveThresholding two(2.0);
  run(two, wide);
  EXPECT_EQ(wide.lists[0].size(), 4u);
  RetrievalResults narrow = results_of({{1, 2, 3, 4, 10, 11, 12, 13}});
  AdaptiveThresholding half(0.5);
  run(half, narrow);
  EXPECT_EQ(narrow.lists[0].size(), 1u);
}

}  // namespace
}  // namespace oml
