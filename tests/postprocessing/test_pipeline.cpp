#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "oml/common/errors.h"
#include "oml/postprocessing/pipeline.h"
#include "postprocessing/toy_problem.h"

namespace oml {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& token) {
  try {
    parse_postprocessor_spec(token);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PostprocessorSpec, ParsesKeysAndFillsDefaults) {
  const PostprocessorSpec qe = parse_postprocessor_spec("qe:n=2");
  EXPECT_EQ(qe.name, "qe");
  EXPECT_EQ(qe.options.integer("n"), 2);
  EXPECT_EQ(qe.options.real("alpha"), 0.0);

  const PostprocessorSpec krnn = parse_postprocessor_spec("krnn");
  EXPECT_EQ(krnn.options.integer("k1"), 20);
  EXPECT_EQ(krnn.options.integer("k2"), 6);
  EXPECT_DOUBLE_EQ(krnn.options.real("lambda"), 0.3);

  const PostprocessorSpec custom = parse_postprocessor_spec("krnn:lambda=1,k1=5");
  EXPECT_EQ(custom.options.integer("k1"), 5);
  EXPECT_EQ(custom.options.real("lambda"), 1.0);

  EXPECT_EQ(parse_postprocessor_spec("threshold:th=0.5").options.real("th"), 0.5);
  EXPECT_FALSE(parse_postprocessor_spec("threshold:n_std=3").options.has("th"));
}

TEST(PostprocessorSpec, UnknownNameListsValidNames) {
  const std::string message = error_of("rerank:n=2");
  EXPECT_THAT(message, HasSubstr("unknown postprocessor 'rerank'"));
  EXPECT_THAT(message, HasSubstr("qe, dba, krnn, threshold"));
}

TEST(PostprocessorSpec, UnknownKeyListsValidKeys) {
  const std::string message = error_of("krnn:k3=2");
  EXPECT_THAT(message, HasSubstr("unknown key 'k3' for krnn"));
  EXPECT_THAT(message, HasSubstr("k1, k2, lambda"));
}

TEST(PostprocessorSpec, QueryExpansionNeedsAtLeastOneNeighbour) {
  // Spec §14: n is required and >= 1.
  EXPECT_THAT(error_of("qe:n=0"), HasSubstr("n must be an integer >= 1 (got '0')"));
  EXPECT_THAT(error_of("qe:n=-1"), HasSubstr("n must be an integer >= 1 (got '-1')"));
  EXPECT_THAT(error_of("qe"), HasSubstr("qe needs n="));
  EXPECT_THAT(error_of("dba:n=0"), HasSubstr("n must be an integer >= 1"));
  EXPECT_THAT(error_of("qe:n=1.5"), HasSubstr("n must be an integer"));
  EXPECT_THAT(error_of("qe:n=2,alpha=-1"), HasSubstr("alpha must be a number >= 0"));
}

TEST(PostprocessorSpec, RejectsOutOfRangeAndMalformedValues) {
  EXPECT_THAT(error_of("krnn:lambda=1.5"), HasSubstr("lambda must be a number in [0, 1] (got '1.5')"));
  EXPECT_THAT(error_of("krnn:k2=0"), HasSubstr("k2 must be an integer >= 1"));
  EXPECT_THAT(error_of("krnn:lambda=nan"), HasSubstr("lambda must be a number"));
  EXPECT_THAT(error_of("krnn:k1"), HasSubstr("expected key=value"));
  EXPECT_THAT(error_of("krnn:k1=3,k1=4"), HasSubstr("given twice"));
  EXPECT_THAT(error_of("qe:n="), HasSubstr("n must be an integer"));
}

TEST(PostprocessorSpec, ThresholdNeedsExactlyOneMode) {
  EXPECT_THAT(error_of("threshold"), HasSubstr("exactly one of th"));
  EXPECT_THAT(error_of("threshold:th=1,n_std=2"), HasSubstr("exactly one of th"));
}

TEST(PostprocessorSpec, ListLengthCoversQueryExpansion) {
  const auto specs = parse_postprocessor_specs({"krnn", "qe:n=7", "dba:n=30", "qe:n=3"});
  EXPECT_EQ(required_list_length(specs), 7);  // dba reads galleries' own neighbours, not the lists
  EXPECT_EQ(required_list_length({}), 0);
}

TEST(PostprocessorSpec, HelpNamesEveryKey) {
  const std::string help = describe_postprocessors();
  for (const char* key :
       {"qe:", "dba:", "krnn:", "threshold:", "k1", "k2", "lambda", "alpha", "n_std", "th "}) {
    EXPECT_THAT(help, HasSubstr(key));
  }
}

TEST(Pipeline, AppliesStepsInOrderAndReportsFinalDistances) {
  // 1-D points; query 0 against galleries 1..4.
  const auto toy = testing::make_toy_problem({{0.0f}, {1.0f}, {2.5f}, {-3.0f}, {4.0f}}, {0}, {1, 2, 3, 4});
  RetrievalResults results = testing::initial_results(toy, 4);
  EXPECT_EQ(testing::ids_of(results.lists[0]), (std::vector<int32_t>{0, 1, 2, 3}));
  const FinalDistances final_distances = apply_postprocessing(std::vector<std::string>{"threshold:th=2.6"},
                                                              results, testing::context_for(toy, 4));
  EXPECT_EQ(testing::ids_of(results.lists[0]), (std::vector<int32_t>{0, 1}));
  // Thresholding changes no pair distance.
  const auto dense = testing::dense_final_distances(final_distances);
  EXPECT_NEAR(dense[0][2], 3.0f, 1e-6);
  EXPECT_NEAR(dense[0][3], 4.0f, 1e-6);
}

TEST(Pipeline, NoStepsKeepsResults) {
  const auto toy = testing::make_toy_problem({{0.0f}, {1.0f}, {2.5f}}, {0}, {1, 2});
  RetrievalResults results = testing::initial_results(toy, 2);
  const auto before = testing::distances_of(results.lists[0]);
  apply_postprocessing(std::vector<std::string>{}, results, testing::context_for(toy, 2));
  EXPECT_EQ(testing::distances_of(results.lists[0]), before);
}

}  // namespace
}  // namespace oml

namespace oml {
namespace {

TEST(FinalDistances, OverridesReplaceListedPairsOnly) {
  const auto toy = testing::make_toy_problem({{0.0f}, {1.0f}, {2.0f}, {3.0f}, {5.0f}}, {0, 1}, {2, 3, 4});
  PostprocessingState state = PostprocessingState::initial(testing::context_for(toy, 3));
  state.final_distances.override_pairs(0, {{2, 0.5f}, {0, 0.25f}});
  state.final_distances.override_pairs(0, {{2, 0.75f}});  // a later step wins
  const auto dense = testing::dense_final_distances(state.final_distances);
  EXPECT_EQ(dense[0], (std::vector<float>{0.25f, 3.0f, 0.75f}));
  EXPECT_NEAR(dense[1][0], 1.0f, 1e-6);
  EXPECT_NEAR(dense[1][1], 2.0f, 1e-6);
  EXPECT_NEAR(dense[1][2], 4.0f, 1e-6);
}

}  // namespace
}  // namespace oml

#include <random>

namespace oml {
namespace {

class EveryPostprocessor : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(EveryPostprocessor, RespectsTheIgnoreRule) {
  // 1 vs rest over 40 rows; rows share sequences in groups of 4 (the last 8 rows have none).
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> rows(40, std::vector<float>(6));
  std::vector<int64_t> all, sequences;
  for (int64_t i = 0; i < 40; ++i) {
    for (auto& v : rows[static_cast<size_t>(i)]) v = normal(rng);
    all.push_back(i);
    sequences.push_back(i < 32 ? i / 4 : -1);
  }
  // Near-duplicates inside a sequence: without the rule they would be everyone's first hit.
  for (int64_t i = 0; i < 32; ++i) {
    if (i % 4 != 0) {
      for (size_t c = 0; c < 6; ++c)
        rows[static_cast<size_t>(i)][c] = rows[static_cast<size_t>(i - i % 4)][c] + 0.01f * normal(rng);
    }
  }
  const auto toy = testing::make_toy_problem(rows, all, all, sequences);
  const int64_t k = 10;
  RetrievalResults results = testing::initial_results(toy, k);
  apply_postprocessing(GetParam(), results, testing::context_for(toy, k));
  ASSERT_EQ(results.lists.size(), 40u);
  for (int64_t q = 0; q < 40; ++q) {
    const auto& list = results.lists[static_cast<size_t>(q)];
    if (GetParam().back().rfind("threshold", 0) != 0) {
      EXPECT_EQ(list.size(), static_cast<size_t>(k));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      EXPECT_FALSE(toy.problem.is_ignored(q, list[i].gallery)) << "query " << q << " got " << list[i].gallery;
      if (i > 0) {
        EXPECT_LE(list[i - 1].distance, list[i].distance);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, EveryPostprocessor,
                         ::testing::Values(std::vector<std::string>{"qe:n=3"},
                                           std::vector<std::string>{"qe:n=2,alpha=3"},
                                           std::vector<std::string>{"dba:n=2"},
                                           std::vector<std::string>{"krnn:k1=5,k2=3,lambda=0.3"},
                                           std::vector<std::string>{"krnn"},
                                           std::vector<std::string>{"dba:n=2", "qe:n=2", "krnn:k1=4"},
                                           std::vector<std::string>{"krnn:k1=4", "threshold:n_std=2"},
                                           std::vector<std::string>{"qe:n=1", "threshold:th=0.9"}));

}  // namespace
}  // namespace oml
