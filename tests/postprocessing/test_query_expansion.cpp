#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "oml/postprocessing/pipeline.h"
#include "oml/postprocessing/query_expansion.h"
#include "postprocessing/toy_problem.h"

namespace oml {
namespace {

std::vector<float> polar(float radius, double degrees) {
  const double r = degrees * M_PI / 180.0;
  return {radius * static_cast<float>(std::cos(r)), radius * static_cast<float>(std::sin(r))};
}

// Spec §14 golden: q = 2∠0°, g0 = 3∠30°, g1 = 0.5∠−40°, g2 = 1∠60°.
testing::ToyProblem golden_problem() {
  return testing::make_toy_problem({polar(2, 0), polar(3, 30), polar(0.5f, -40), polar(1, 60)}, {0},
                                   {1, 2, 3});
}

void expect_near(const std::vector<float>& actual, const std::vector<float>& expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << "at " << i;
}

struct StepRun {
  RetrievalResults results;
  PostprocessingState state;
};

StepRun run_step(RetrievalPostprocessor& step, const testing::ToyProblem& toy, int64_t k) {
  StepRun run{testing::initial_results(toy, k), {}};
  const auto context = testing::context_for(toy, k);
  run.state = PostprocessingState::initial(context);
  step.process(run.results, context, run.state);
  return run;
}

TEST(QueryExpansion, GoldenAverageOfTheFirstItem) {
  const auto toy = golden_problem();
  QueryExpansion qe(1, 0.0);
  const StepRun run = run_step(qe, toy, 3);
  EXPECT_EQ(testing::ids_of(run.results.lists[0]), (std::vector<int32_t>{0, 2, 1}));
  expect_near(testing::distances_of(run.results.lists[0]), {0.261052f, 0.765367f, 0.923497f}, 1e-6);
  EXPECT_NEAR(run.state.unit_queries.row(0)[0], 0.965926f, 1e-6);
  EXPECT_NEAR(run.state.unit_queries.row(0)[1], 0.258819f, 1e-6);
}

TEST(QueryExpansion, GoldenAlphaWeights) {
  const auto toy = golden_problem();
  QueryExpansion qe(2, 3.0);
  const StepRun run = run_step(qe, toy, 3);
  EXPECT_EQ(testing::ids_of(run.results.lists[0]), (std::vector<int32_t>{0, 1, 2}));
  expect_near(testing::distances_of(run.results.lists[0]), {0.499481f, 0.701652f, 0.983697f}, 1e-6);
  EXPECT_NEAR(run.state.unit_queries.row(0)[0], 0.999824f, 1e-6);
  EXPECT_NEAR(run.state.unit_queries.row(0)[1], 0.018774f, 1e-6);
}

TEST(QueryExpansion, WeightsOfOrthogonalOrOppositeItemsAreZeroUnlessAlphaIsZero) {
  // q = 1∠0°, its only neighbour sits at 120° (negative dot product): with alpha > 0 the weight
  // max(dot, 0)^alpha is 0 and q stays put; with alpha = 0, 0^0 = 1 and q moves to 60°.
  const Matrix anchors{1, 2, {1.0f, 0.0f}};
  const Matrix pool{1, 2, polar(1, 120)};
  const std::vector<std::vector<Neighbor>> lists{{{0, 1.7f}}};
  const Matrix weighted = expand_with_neighbors(anchors, pool, lists, 1, 2.0);
  EXPECT_NEAR(weighted.row(0)[0], 1.0f, 1e-7);
  EXPECT_NEAR(weighted.row(0)[1], 0.0f, 1e-7);
  const Matrix averaged = expand_with_neighbors(anchors, pool, lists, 1, 0.0);
  EXPECT_NEAR(averaged.row(0)[0], 0.5f, 1e-6);
  EXPECT_NEAR(averaged.row(0)[1], std::sqrt(3.0f) / 2, 1e-6);
}

TEST(QueryExpansion, FinalDistancesCoverEveryPairOnTheUnitScale) {
  const auto toy = golden_problem();
  QueryExpansion qe(1, 0.0);
  const StepRun run = run_step(qe, toy, 2);  // lists keep 2 items; the third pair still has a distance
  const auto dense = testing::dense_final_distances(run.state.final_distances);
  expect_near(dense[0], {0.261052f, 0.923497f, 0.765367f}, 1e-6);
}

TEST(DatabaseAugmentation, AveragesEachGalleryWithItsNearestOtherGallery) {
  // Unit galleries at 0°, 30°, 100°; M = 1: 0° and 30° pair up (→ 15° both), 100° takes 30° (→ 65°).
  // The query at 60° is then 5° from g2 and 45° from g0 and g1.
  const auto toy =
      testing::make_toy_problem({polar(3, 60), polar(1, 0), polar(2, 30), polar(0.5f, 100)}, {0}, {1, 2, 3});
  DatabaseAugmentation dba(1, 0.0);
  const StepRun run = run_step(dba, toy, 3);
  const auto& list = run.results.lists[0];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].gallery, 2);
  const double chord5 = 2 * std::sin(2.5 * M_PI / 180), chord45 = 2 * std::sin(22.5 * M_PI / 180);
  EXPECT_NEAR(list[0].distance, chord5, 1e-6);
  EXPECT_NEAR(list[1].distance, chord45, 1e-6);
  EXPECT_NEAR(list[2].distance, chord45, 1e-6);
  EXPECT_NEAR(run.state.unit_galleries.row(2)[0], std::cos(65 * M_PI / 180), 1e-6);
}

TEST(QueryExpansion, LaterQueryExpansionUsesAugmentedGalleries) {
  const auto toy =
      testing::make_toy_problem({polar(3, 60), polar(1, 0), polar(2, 30), polar(0.5f, 100)}, {0}, {1, 2, 3});
  RetrievalResults results = testing::initial_results(toy, 3);
  apply_postprocessing(std::vector<std::string>{"dba:n=1", "qe:n=1"}, results, testing::context_for(toy, 3));
  // q' = normalise(60° + 65°) = 62.5°: 2.5° from g2, 47.5° from g0/g1 (both at 15°).
  EXPECT_EQ(results.lists[0][0].gallery, 2);
  EXPECT_NEAR(results.lists[0][0].distance, 2 * std::sin(1.25 * M_PI / 180), 1e-6);
  EXPECT_NEAR(results.lists[0][1].distance, 2 * std::sin(23.75 * M_PI / 180), 1e-6);
}

}  // namespace
}  // namespace oml
