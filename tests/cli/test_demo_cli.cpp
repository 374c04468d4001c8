// `oml demo` end to end at a small size (what `make demo` runs at its defaults): every step runs on
// real rendered glyphs, the table holds the measured figures of each variant, and the report is
// written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "retrieval_cli_helpers.h"

namespace oml::retrieval_cli {
namespace {

using ::testing::HasSubstr;

// The four figures of the table row that starts with `variant`.
std::vector<double> table_row(const std::string& output, const std::string& variant) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(variant, 0) != 0) continue;
    static const std::regex number(R"((\d\.\d{4}))");
    std::vector<double> figures;
    for (auto it = std::sregex_iterator(line.begin() + static_cast<long>(variant.size()), line.end(), number);
         it != std::sregex_iterator(); ++it)
      figures.push_back(std::stod((*it)[1]));
    return figures;
  }
  return {};
}

TEST(DemoCli, RunsEveryStepAndPrintsTheMeasuredTable) {
  const ScratchDir dir("demo_small");
  const std::string out = dir.file("demo-out");
  const auto result = run_oml("demo --out " + out + " --classes 40 --reranker-epochs 1 --threads 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const std::string variant :
       {"kNN (16x16 raw pixels)", "kNN + pairwise re-ranking (top 5)",
        "kNN + pairwise, fused (w=", "kNN + QE (n=2, alpha=3)", "kNN + QE + pairwise (fused)"}) {
    const std::vector<double> row = table_row(result.output, variant);
    ASSERT_EQ(row.size(), 4u) << variant << "\n" << result.output;
    for (const double figure : row) {
      EXPECT_GT(figure, 0.0) << variant;
      EXPECT_LE(figure, 1.0) << variant;
    }
    EXPECT_LE(row[0], row[1]) << variant << ": cmc@1 cannot exceed cmc@5";
  }
  // Re-ranking the top 5 reorders them only: cmc@5 is the first stage's.
  EXPECT_EQ(table_row(result.output, "kNN + pairwise re-ranking (top 5)")[1],
            table_row(result.output, "kNN (16x16 raw pixels)")[1]);
  EXPECT_THAT(result.output, HasSubstr("points CMC@1 over kNN"));
  EXPECT_TRUE(std::filesystem::file_size(out + "/report.html") > 1000);
  EXPECT_TRUE(std::filesystem::exists(out + "/reranker.pth"));
  EXPECT_TRUE(std::filesystem::exists(out + "/metrics_knn.json"));
}

}  // namespace
}  // namespace oml::retrieval_cli
