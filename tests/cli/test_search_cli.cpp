#include <gtest/gtest.h>

#include <cmath>

#include "cli/retrieval_cli_helpers.h"
#include "oml/io/npy.h"

namespace oml {
namespace {

using retrieval_cli::read_text;
using retrieval_cli::run_oml;
using retrieval_cli::ScratchDir;

TEST(SearchCli, WritesRankedNeighboursPerQuery) {
  ScratchDir dir("search");
  const std::string csv = retrieval_cli::write_small_dataset(dir);
  const auto r = run_oml("search --csv " + csv + " --embeddings " + dir.file("e.npy") +
                         " --top-k 2 --threads 1 --out " + dir.file("r.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // CSV rows 1..6 hold 0,1,3,10,4,12; the train row 0 never appears; a row never retrieves itself.
  EXPECT_EQ(read_text(dir.file("r.csv")),
            "query_row,rank,gallery_row,distance\n"
            "1,1,2,1\n1,2,3,3\n"
            "2,1,1,1\n2,2,3,2\n"
            "3,1,5,1\n3,2,2,2\n"
            "4,1,6,2\n4,2,5,6\n"
            "5,1,3,1\n5,2,2,3\n"
            "6,1,4,2\n6,2,5,8\n");
}

TEST(SearchCli, HnswGivesTheSameListsOnASmallGallery) {
  ScratchDir dir("search_hnsw");
  const std::string csv = retrieval_cli::write_small_dataset(dir);
  const std::string common =
      "search --csv " + csv + " --embeddings " + dir.file("e.npy") + " --top-k 3 --out ";
  ASSERT_EQ(run_oml(common + dir.file("a.csv")).exit_code, 0);
  const auto r = run_oml(common + dir.file("b.csv") + " --index hnsw --hnsw-ef 50");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_text(dir.file("a.csv")), read_text(dir.file("b.csv")));
}

TEST(SearchCli, BadInputsExitWithCode2AndAClearMessage) {
  ScratchDir dir("search_bad");
  const std::string csv = retrieval_cli::write_small_dataset(dir);
  const std::string base = "search --csv " + csv + " --out " + dir.file("r.csv") + " --embeddings ";
  auto r = run_oml(base + dir.file("e.npy") + " --top-k 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--top-k"), std::string::npos) << r.output;

  write_npy(dir.file("short.npy"), retrieval_cli::rows_matrix({{1}, {2}}));
  r = run_oml(base + dir.file("short.npy"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("short.npy: has 2 rows but " + csv + " has 7 data rows"), std::string::npos)
      << r.output;

  write_npy(dir.file("nan.npy"), retrieval_cli::rows_matrix({{1}, {2}, {3}, {std::nanf("")}, {5}, {6}, {7}}));
  r = run_oml(base + dir.file("nan.npy"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("nan.npy: row 3 (" + csv + ":5) contains NaN"), std::string::npos) << r.output;

  r = run_oml(base + dir.file("e.npy") + " --post nope:n=2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown postprocessor 'nope' (valid: "), std::string::npos) << r.output;

  r = run_oml(base + dir.file("e.npy") + " --post qe:n=0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("n must be an integer >= 1 (got '0')"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("r.csv")));
}

TEST(SearchCli, NoGalleryIsAnInputError) {
  ScratchDir dir("search_nogallery");
  const std::string csv = dir.write("df.csv",
                                    "label,path,split,is_query,is_gallery\n"
                                    "0,a.jpg,validation,True,False\n"
                                    "0,b.jpg,validation,True,False\n");
  write_npy(dir.file("e.npy"), retrieval_cli::rows_matrix({{0}, {1}}));
  const auto r =
      run_oml("search --csv " + csv + " --embeddings " + dir.file("e.npy") + " --out " + dir.file("r.csv"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("gallery"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace oml
