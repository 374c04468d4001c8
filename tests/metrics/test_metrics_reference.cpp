// Randomised cases against tests/fixtures/make_metrics_reference.py (dense torch.cdist + NumPy
// formulas); its output reference_cases.json is committed.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "metrics/evaluation_helpers.h"
#include "retrieval/problem_builder.h"

namespace oml {
namespace {

TEST(MetricsReference, RandomCasesMatchDenseReference) {
  std::ifstream in(std::string(OML_SOURCE_DIR) + "/tests/fixtures/metrics/reference_cases.json");
  ASSERT_TRUE(in) << "missing fixture";
  const auto cases = nlohmann::json::parse(in);
  ASSERT_EQ(cases.size(), 4u);
  int compared = 0;
  for (size_t c = 0; c < cases.size(); ++c) {
    const auto& cs = cases[c];
    std::vector<testing::RowSpec> rows;
    for (size_t i = 0; i < cs["labels"].size(); ++i) {
      rows.push_back({cs["labels"][i].get<int64_t>(), cs["is_query"][i].get<bool>(),
                      cs["is_gallery"][i].get<bool>(), cs["sequence"][i].get<std::string>(),
                      cs["category"][i].get<std::string>()});
    }
    const Matrix e = testing::make_matrix(cs["embeddings"].get<std::vector<std::vector<float>>>());
    MetricsConfig config;
    config.cmc_ks = cs["cmc"].get<std::vector<int64_t>>();
    config.precision_ks = cs["precision"].get<std::vector<int64_t>>();
    config.map_ks = cs["map"].get<std::vector<int64_t>>();
    config.fmrs = cs["fmr"].get<std::vector<double>>();
    config.pcf_ratios = cs["pcf"].get<std::vector<double>>();
    config.per_category = true;
    const MetricsReport report = testing::evaluate_in_memory(testing::make_dataframe(rows), e, config);
    const auto& expected = cs["expected"];
    ASSERT_EQ(report.metrics.size(), expected.size());
    for (auto group = expected.begin(); group != expected.end(); ++group) {
      for (auto metric = group.value().begin(); metric != group.value().end(); ++metric) {
        for (auto key = metric.value().begin(); key != metric.value().end(); ++key) {
          const auto& ours = report.metrics.at(group.key()).at(metric.key()).at(key.key());
          const std::string where =
              "case " + std::to_string(c) + " " + group.key() + " " + metric.key() + "@" + key.key();
          if (key.value().is_null()) {
            EXPECT_TRUE(ours.is_null()) << where;
          } else {
            ASSERT_FALSE(ours.is_null()) << where;
            EXPECT_NEAR(ours.get<double>(), key.value().get<double>(), 1e-6) << where;
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 200);
}

}  // namespace
}  // namespace oml
