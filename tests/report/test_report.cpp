#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/report/search_results_io.h"
#include "oml/report/thumbnails.h"
#include "oml/retrieval/retrieval_problem.h"

namespace fs = std::filesystem;

namespace {

const fs::path kImages = fs::path(OML_SOURCE_DIR) / "tests/fixtures/images";

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Six real images, two labels, every row a query and a gallery item (1 vs rest).
fs::path make_dataset(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_text(dir / "df.csv",
             "label,path,split,is_query,is_gallery\n"
             "0," + (kImages / "flower.jpg").string() + ",validation,True,True\n"
             "0," + (kImages / "rgba.png").string() + ",validation,True,True\n"
             "0," + (kImages / "palette.png").string() + ",validation,True,True\n"
             "1," + (kImages / "board.jpg").string() + ",validation,True,True\n"
             "1," + (kImages / "gray.jpg").string() + ",validation,True,True\n"
             "1," + (kImages / "icon_rgba.png").string() + ",validation,True,True\n");
  return dir;
}

// Every query's five others, in an order that makes query 0 and query 3 wrong at rank 1.
std::string search_results_csv() {
  const int order[6][5] = {{3, 1, 2, 4, 5}, {0, 2, 3, 4, 5}, {0, 1, 3, 4, 5},
                           {0, 4, 5, 1, 2}, {3, 5, 0, 1, 2}, {3, 4, 0, 1, 2}};
  std::string text = "query_row,rank,gallery_row,distance\n";
  for (int q = 0; q < 6; ++q) {
    for (int r = 0; r < 5; ++r) {
      text += std::to_string(q) + "," + std::to_string(r + 1) + "," + std::to_string(order[q][r]) + "," +
              std::to_string(0.1 * (r + 1)) + "\n";
    }
  }
  return text;
}

int run(const std::string& command) { return std::system(command.c_str()); }

TEST(SearchResultsIo, ReadsListsInRankOrder) {
  const fs::path dir = make_dataset("oml_report_io");
  write_text(dir / "r.csv", search_results_csv());
  const oml::Dataframe df = oml::read_dataframe((dir / "df.csv").string());
  const oml::RetrievalProblem problem = oml::make_retrieval_problem(df);
  const oml::RetrievalResults results = oml::read_search_results((dir / "r.csv").string(), problem);
  ASSERT_EQ(results.lists.size(), 6u);
  ASSERT_EQ(results.lists[3].size(), 5u);
  EXPECT_EQ(results.lists[3][0].gallery, 0);
  EXPECT_EQ(results.lists[3][1].gallery, 4);
  EXPECT_FLOAT_EQ(results.lists[3][4].distance, 0.5f);
}

TEST(SearchResultsIo, RejectsRankGapAndUnknownRowsNamingTheLine) {
  const fs::path dir = make_dataset("oml_report_io_bad");
  const oml::Dataframe df = oml::read_dataframe((dir / "df.csv").string());
  const oml::RetrievalProblem problem = oml::make_retrieval_problem(df);
  write_text(dir / "gap.csv", "query_row,rank,gallery_row,distance\n0,1,1,0.1\n0,3,2,0.2\n");
  try {
    oml::read_search_results((dir / "gap.csv").string(), problem);
    FAIL() << "expected an error";
  } catch (const oml::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("gap.csv:3: column 'rank': expected 2 (got 3)"), std::string::npos)
        << e.what();
  }
  write_text(dir / "unknown.csv", "query_row,rank,gallery_row,distance\n0,1,17,0.1\n");
  EXPECT_THROW(oml::read_search_results((dir / "unknown.csv").string(), problem), oml::InputError);
}

TEST(Thumbnails, Base64MatchesKnownEncodings) {
  EXPECT_EQ(oml::base64_encode(""), "");
  EXPECT_EQ(oml::base64_encode("f"), "Zg==");
  EXPECT_EQ(oml::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(oml::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(oml::base64_encode("foobar"), "Zm9vYmFy");
}

TEST(ReportCli, WritesWorstQueriesWithBeforeAndAfterRows) {
  const fs::path dir = make_dataset("oml_report_cli");
  write_text(dir / "after.csv", search_results_csv());
  write_text(dir / "before.csv", search_results_csv());
  const fs::path html = dir / "report.html";
  ASSERT_EQ(run(std::string(OML_CLI_PATH) + " report --csv " + (dir / "df.csv").string() + " --results " +
                (dir / "after.csv").string() + " --before " + (dir / "before.csv").string() +
                " --worst 3 --top 4 --metric cmc --k 1 --out " + html.string() + " > /dev/null"),
            0);
  const std::string page = read_all(html);
  // The two queries wrong at rank 1 come first, then the best-scoring one; 3 shown.
  const std::regex query_block("data-query-row=\"(\\d+)\"");
  std::vector<std::string> rows;
  for (std::sregex_iterator it(page.begin(), page.end(), query_block), end; it != end; ++it) {
    rows.push_back((*it)[1]);
  }
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "0");
  EXPECT_EQ(rows[1], "3");
  // 3 queries x (1 query image + 2 runs x 4 results) images, 2 wrong results at rank 1 per run.
  size_t images = 0;
  for (size_t at = page.find("<img"); at != std::string::npos; at = page.find("<img", at + 1)) ++images;
  EXPECT_EQ(images, 27u);
  EXPECT_NE(page.find("<td>after</td><td>0.6667</td>"), std::string::npos);
}

TEST(ReportCli, BadResultsFileExitsWithCode2AndWritesNothing) {
  const fs::path dir = make_dataset("oml_report_cli_bad");
  write_text(dir / "bad.csv", "query_row,rank,gallery_row,distance\n0,1,x,0.1\n");
  const fs::path html = dir / "report.html";
  const int status = run(std::string(OML_CLI_PATH) + " report --csv " + (dir / "df.csv").string() +
                         " --results " + (dir / "bad.csv").string() + " --out " + html.string() + " 2> /dev/null");
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_FALSE(fs::exists(html));
}

// Renders the page in headless Chromium (installed by scripts/install-deps.sh) and checks that
// every embedded image decoded and the expected number of query rows is on the page. The
// screenshot is kept in the build tree as a test artifact.
TEST(ReportBrowser, EveryImageLoadsInChromium) {
  const std::string chromium = "/usr/bin/chromium";
  ASSERT_TRUE(fs::exists(chromium)) << "chromium is installed by scripts/install-deps.sh";
  const fs::path dir = make_dataset("oml_report_browser");
  write_text(dir / "after.csv", search_results_csv());
  const fs::path html = dir / "report.html";
  ASSERT_EQ(run(std::string(OML_CLI_PATH) + " report --csv " + (dir / "df.csv").string() + " --results " +
                (dir / "after.csv").string() + " --worst 6 --top 5 --out " + html.string() + " > /dev/null"),
            0);
  const std::string flags =
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
      " --disable-component-update --disable-sync --user-data-dir=" + (dir / "chromium-profile").string() +
      " --virtual-time-budget=5000 ";
  const fs::path dom = dir / "dom.html";
  ASSERT_EQ(run(chromium + flags + "--dump-dom file://" + html.string() + " > " + dom.string() + " 2> /dev/null"),
            0);
  const std::string rendered = read_all(dom);
  std::smatch loaded;
  ASSERT_TRUE(std::regex_search(rendered, loaded, std::regex("data-images-loaded=\"(\\d+)\"")))
      << "the load handler did not run";
  std::smatch total;
  ASSERT_TRUE(std::regex_search(rendered, total, std::regex("data-images-total=\"(\\d+)\"")));
  EXPECT_EQ(total[1], "36");  // 6 queries x (1 + 5)
  EXPECT_EQ(loaded[1], total[1]);
  const fs::path artifacts = fs::path(OML_BINARY_DIR) / "test-artifacts";
  fs::create_directories(artifacts);
  const fs::path screenshot = artifacts / "report.png";
  fs::remove(screenshot);
  run(chromium + flags + "--window-size=1200,1600 --screenshot=" + screenshot.string() + " file://" +
      html.string() + " > /dev/null 2>&1");
  EXPECT_TRUE(fs::exists(screenshot));
}

}  // namespace
