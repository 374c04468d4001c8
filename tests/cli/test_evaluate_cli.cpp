#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/retrieval_cli_helpers.h"

namespace oml {
namespace {

using retrieval_cli::read_text;
using retrieval_cli::run_oml;
using retrieval_cli::ScratchDir;

TEST(EvaluateCli, WritesOmlDictionaryAndPrintsTable) {
  ScratchDir dir("evaluate");
  const std::string csv = retrieval_cli::write_small_dataset(dir);
  const auto r =
      run_oml("evaluate --csv " + csv + " --embeddings " + dir.file("e.npy") +
              " --cmc 1,2 --precision 2 --map 3 --fmr 0.5 --pcf 0.5,1 --categories --threads 1 --json " +
              dir.file("m.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cmc@1"), std::string::npos) << r.output;
  const auto m = nlohmann::ordered_json::parse(read_text(dir.file("m.json")));
  // 1-D values of rows 1..6: 0,1,3,10,4,12 (labels 0,0,0,0,1,1). Nearest others: row1 -> 2 (hit),
  // row2 -> 1 (hit), row3 -> 5, 2 (hit at 2), row4 -> 6, 5, row5 -> 3, 2, row6 -> 4, 5 (hit at 2).
  EXPECT_EQ(m.begin().key(), "OVERALL");
  EXPECT_EQ(std::next(m.begin()).key(), "bags");
  EXPECT_NEAR(m["OVERALL"]["cmc"]["1"].get<double>(), 2.0 / 6, 1e-9);
  EXPECT_NEAR(m["OVERALL"]["cmc"]["2"].get<double>(), 4.0 / 6, 1e-9);
  EXPECT_NEAR(m["shoes"]["cmc"]["1"].get<double>(), 2.0 / 3, 1e-9);
  EXPECT_NEAR(m["bags"]["cmc"]["1"].get<double>(), 0.0, 1e-9);
  EXPECT_NEAR(m["bags"]["cmc"]["2"].get<double>(), 1.0 / 3, 1e-9);
  EXPECT_TRUE(m["OVERALL"]["fnmr@fmr"].contains("0.5"));
  EXPECT_TRUE(m["OVERALL"]["pcf"].contains("1.0"));
  EXPECT_NEAR(m["OVERALL"]["pcf"]["0.5"].get<double>(), 1.0, 1e-9);  // D = 1
}

TEST(EvaluateCli, DefaultsAreOmlsAndFnmrIsOptIn) {
  ScratchDir dir("evaluate_defaults");
  const std::string csv = retrieval_cli::write_small_dataset(dir);
  const auto r = run_oml("evaluate --csv " + csv + " --embeddings " + dir.file("e.npy") + " --json " +
                         dir.file("m.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto m = nlohmann::ordered_json::parse(read_text(dir.file("m.json")));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m["OVERALL"].dump().find("fnmr"), std::string::npos);
  for (const char* metric : {"cmc", "precision", "map"})
    EXPECT_TRUE(m["OVERALL"][metric].contains("5")) << metric;
  EXPECT_TRUE(m["OVERALL"]["pcf"].contains("0.5"));
  EXPECT_EQ(r.output.find("warning: k="), std::string::npos) << r.output;  // 5 = list length: no clipping
}

TEST(EvaluateCli, BadValuesExitWithCode2) {
  ScratchDir dir("evaluate_bad");
  const std::string csv = retrieval_cli::write_small_dataset(dir);
  const std::string base =
      "evaluate --csv " + csv + " --embeddings " + dir.file("e.npy") + " --json " + dir.file("m.json");
  for (const std::string bad :
       {" --fmr 1.5", " --cmc 0", " --map -1", " --pcf 2", " --index ivf", " --post pairwise:top_n=5"}) {
    const auto r = run_oml(base + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.json")));
  const auto r = run_oml(base + " --fmr 1.5");
  EXPECT_NE(r.output.find("--fmr: values must lie in [0, 1] (got 1.5)"), std::string::npos) << r.output;
}

TEST(EvaluateCli, CategoriesNeedACategoryColumn) {
  ScratchDir dir("evaluate_nocat");
  const std::string csv = dir.write("df.csv",
                                    "label,path,split,is_query,is_gallery\n"
                                    "0,a.jpg,validation,True,True\n"
                                    "0,b.jpg,validation,True,True\n");
  write_npy(dir.file("e.npy"), retrieval_cli::rows_matrix({{0}, {1}}));
  const auto r = run_oml("evaluate --csv " + csv + " --embeddings " + dir.file("e.npy") + " --categories");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("category"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace oml
