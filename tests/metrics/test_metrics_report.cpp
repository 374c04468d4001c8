// Pipeline goldens of spec §11.6 (embeddings -> exact retrieval -> metrics) and the output dictionary.
#include <gtest/gtest.h>

#include <random>

#include "metrics/evaluation_helpers.h"
#include "oml/common/errors.h"
#include "retrieval/problem_builder.h"

namespace oml {
namespace {

using testing::evaluate_in_memory;
using testing::make_dataframe;
using testing::make_matrix;
using testing::one_hot;
using testing::RowSpec;

MetricsConfig cmc_only(std::vector<int64_t> ks) {
  MetricsConfig c;
  c.cmc_ks = std::move(ks);
  c.precision_ks.clear();
  c.map_ks.clear();
  c.pcf_ratios.clear();
  return c;
}

// Queries then galleries; label names the gt relation; `sequence` encodes "not available".
double masked_cmc(const std::vector<std::vector<float>>& q, const std::vector<int64_t>& q_labels,
                  const std::vector<std::string>& q_seq, const std::vector<std::vector<float>>& g,
                  const std::vector<int64_t>& g_labels, const std::vector<std::string>& g_seq, bool exclude) {
  std::vector<RowSpec> rows;
  std::vector<std::vector<float>> e;
  for (size_t i = 0; i < q.size(); ++i)
    rows.push_back({q_labels[i], true, false, q_seq[i]}), e.push_back(q[i]);
  for (size_t i = 0; i < g.size(); ++i)
    rows.push_back({g_labels[i], false, true, g_seq[i]}), e.push_back(g[i]);
  MetricsConfig c = cmc_only({1});
  c.exclude_queries_without_gt = exclude;
  return evaluate_in_memory(make_dataframe(rows), make_matrix(e), c)
      .metrics["OVERALL"]["cmc"]["1"]
      .get<double>();
}

TEST(MaskedCmc, Case1) {
  // gt: q0,q1 ~ g0; q2,q3 ~ g1,g2. Not available: (q0,g0), (q2,g1).
  const std::vector<std::vector<float>> q{{1, 1, 0, 0}, {1, 0, 0, 0}, {0, 1, 1, 1}, {0, 0, 1, 1}};
  const std::vector<std::vector<float>> g{{1, 1, 1, 0}, {1, 1, 1, 1}, {0, 1, 1, 0}};
  const std::vector<int64_t> ql{0, 0, 1, 1}, gl{0, 1, 1};
  const std::vector<std::string> qs{"s1", "", "s2", ""}, gs{"s1", "s2", ""};
  EXPECT_NEAR(masked_cmc(q, ql, qs, g, gl, gs, false), 0.75, 1e-12);
  EXPECT_NEAR(masked_cmc(q, ql, qs, g, gl, gs, true), 1.0, 1e-12);  // query 0 excluded (§11.2)
}

TEST(MaskedCmc, Case2) {
  const std::vector<std::vector<float>> q{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}};
  const std::vector<std::vector<float>> g{{0, 1, 0}, {0, 0, 1}, {1, 0, 1}};
  const std::vector<int64_t> ql{2, 0, 1, 2}, gl{0, 1, 2};
  const std::vector<std::string> qs{"", "s1", "s2", "s3"}, gs{"s1", "s2", "s3"};
  EXPECT_NEAR(masked_cmc(q, ql, qs, g, gl, gs, false), 0.25, 1e-12);
  EXPECT_NEAR(masked_cmc(q, ql, qs, g, gl, gs, true), 1.0, 1e-12);  // queries 1-3 excluded
}

MetricsReport one_hot_case(const std::vector<std::vector<float>>& queries,
                           const std::vector<int64_t>& q_labels, const std::vector<std::string>& categories) {
  std::vector<RowSpec> rows;
  std::vector<std::vector<float>> e;
  for (size_t i = 0; i < queries.size(); ++i) {
    rows.push_back({q_labels[i], true, false, "", categories[i]});
    e.push_back(queries[i]);
  }
  const int64_t g_labels[] = {0, 1, 1};
  const int g_hot[] = {0, 1, 1};
  for (int i = 0; i < 3; ++i) rows.push_back({g_labels[i], false, true}), e.push_back(one_hot(8, g_hot[i]));
  MetricsConfig c = cmc_only({1});
  c.per_category = true;
  return evaluate_in_memory(make_dataframe(rows), make_matrix(e), c);
}

TEST(EmbeddingMetricsGoldens, PerfectImperfectWorst) {
  const auto perfect =
      one_hot_case({one_hot(8, 0), one_hot(8, 1), one_hot(8, 1)}, {0, 1, 1}, {"cat", "dog", "dog"});
  EXPECT_EQ(perfect.metrics["OVERALL"]["cmc"]["1"].get<double>(), 1.0);
  EXPECT_EQ(perfect.metrics["cat"]["cmc"]["1"].get<double>(), 1.0);
  EXPECT_EQ(perfect.metrics["dog"]["cmc"]["1"].get<double>(), 1.0);
  const auto imperfect =
      one_hot_case({one_hot(8, 0), one_hot(8, 1), one_hot(8, 3)}, {0, 1, 1}, {"10", "20", "20"});
  EXPECT_NEAR(imperfect.metrics["OVERALL"]["cmc"]["1"].get<double>(), 0.6666666865348816, 1e-6);
  EXPECT_EQ(imperfect.metrics["10"]["cmc"]["1"].get<double>(), 1.0);
  EXPECT_EQ(imperfect.metrics["20"]["cmc"]["1"].get<double>(), 0.5);
  const auto worst = one_hot_case({one_hot(8, 1), one_hot(8, 0), one_hot(8, 0)}, {0, 1, 1}, {"a", "b", "b"});
  EXPECT_EQ(worst.metrics["OVERALL"]["cmc"]["1"].get<double>(), 0.0);
}

TEST(IntegrationGoldens, OneDimensionalNoisyLabels) {
  std::mt19937 rng(0);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  {
    const std::vector<int64_t> labels{0, 0, 1, 1, 2, 2, 2, 2, 1};
    const std::vector<int> gallery{0, 1, 0, 1, 0, 0, 1, 1, 0};
    std::vector<RowSpec> rows;
    std::vector<std::vector<float>> e;
    for (size_t i = 0; i < labels.size(); ++i) {
      rows.push_back({labels[i], gallery[i] == 0, gallery[i] == 1});
      e.push_back({i == 4 || i == 5 ? 0.0f : static_cast<float>(labels[i]) + noise(rng)});
    }
    const auto r = evaluate_in_memory(make_dataframe(rows), make_matrix(e), cmc_only({1}));
    EXPECT_NEAR(r.metrics["OVERALL"]["cmc"]["1"].get<double>(), 3.0 / 5, 1e-12);
  }
  {
    const std::vector<int64_t> labels{0, 0, 0, 1, 1, 1, 2, 2};
    std::vector<RowSpec> rows;
    std::vector<std::vector<float>> e;
    for (size_t i = 0; i < labels.size(); ++i) {
      rows.push_back({labels[i], true, true});
      e.push_back({i == 0 ? 3.0f : static_cast<float>(labels[i]) + noise(rng)});
    }
    const auto r = evaluate_in_memory(make_dataframe(rows), make_matrix(e), cmc_only({1}));
    EXPECT_NEAR(r.metrics["OVERALL"]["cmc"]["1"].get<double>(), 7.0 / 8, 1e-12);
  }
}

TEST(MetricsReport, DictionaryLayoutKeysWarningsAndNulls) {
  // Labels [0,0,0,0,1,1] 1 vs rest, plus a query whose label has no other gallery row.
  std::vector<RowSpec> rows;
  std::vector<std::vector<float>> e;
  const int64_t labels[] = {0, 0, 0, 0, 1, 1, 2};
  const char* categories[] = {"b", "b", "b", "b", "B", "B", "a"};
  for (int i = 0; i < 7; ++i) {
    rows.push_back({labels[i], true, true, "", categories[i]});
    e.push_back({static_cast<float>(i), static_cast<float>(i * i % 5)});
  }
  MetricsConfig c;
  c.cmc_ks = {10, 1, 1};
  c.precision_ks = {5};
  c.map_ks = {3};
  c.fmrs = {0.5, 0.1};
  c.pcf_ratios = {1.0, 0.5};
  c.per_category = true;
  const auto report = evaluate_in_memory(make_dataframe(rows), make_matrix(e), c);
  const std::string dump = report.metrics.dump();
  EXPECT_EQ(dump.find("\"OVERALL\""), 1u);
  EXPECT_LT(dump.find("\"B\""), dump.find("\"a\""));  // bytewise order after OVERALL
  EXPECT_LT(dump.find("\"a\""), dump.find("\"b\""));
  const auto& overall = report.metrics["OVERALL"];
  EXPECT_EQ(overall["cmc"].size(), 2u);
  EXPECT_TRUE(overall["cmc"].contains("1") && overall["cmc"].contains("10"));
  EXPECT_TRUE(overall["fnmr@fmr"].contains("0.1") && overall["fnmr@fmr"].contains("0.5"));
  EXPECT_TRUE(overall["pcf"].contains("1.0") && overall["pcf"].contains("0.5"));
  EXPECT_EQ(overall["cmc"]["10"].get<double>(), 1.0);      // k clipped to the list, key kept
  EXPECT_TRUE(report.metrics["a"]["cmc"]["1"].is_null());  // its only query has no gt
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_NE(report.warnings[0].find("k=10"), std::string::npos);
  EXPECT_EQ(report.warnings[1],
            "warning: 1 of 7 queries have no correct answer in the gallery; excluded from cmc/precision/map");
  const std::string table = format_metrics_table(report.metrics);
  EXPECT_NE(table.find("cmc@10"), std::string::npos);
  EXPECT_NE(table.find("n/a"), std::string::npos);
}

TEST(MetricsReport, RejectsBadValues) {
  MetricsConfig c;
  c.cmc_ks = {0};
  EXPECT_THROW(normalized(c), InputError);
  c = MetricsConfig{};
  c.fmrs = {1.5};
  EXPECT_THROW(normalized(c), InputError);
  c = MetricsConfig{};
  c.pcf_ratios = {-0.1};
  EXPECT_THROW(normalized(c), InputError);
}

TEST(PythonFloatRepr, MatchesPython) {
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(0.5), "0.5");
  EXPECT_EQ(python_float_repr(1.0), "1.0");
  EXPECT_EQ(python_float_repr(0.0), "0.0");
  EXPECT_EQ(python_float_repr(1e-05), "1e-05");
  EXPECT_EQ(python_float_repr(2.5e-07), "2.5e-07");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(0.35), "0.35");
  EXPECT_EQ(python_float_repr(123.456), "123.456");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(python_float_repr(1.0 / 3), "0.3333333333333333");
}

}  // namespace
}  // namespace oml
