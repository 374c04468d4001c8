// Bounded allocations end to end (docs/reliability.md): hostile CSVs and search results are
// refused with exit 2 and a message naming the file, the line and the limit, and the oml process
// stays small. Each test runs as its own process under ctest, so RUSAGE_CHILDREN's peak is the
// one oml run the test waited for; the binary alone peaks at about 165 MB (libtorch's pages).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "retrieval_cli_helpers.h"
#include "support/peak_memory.h"

namespace oml::retrieval_cli {
namespace {

using ::testing::HasSubstr;

const std::string kHeader = "label,path,split,is_query,is_gallery\n";

using oml::test::peak_rss_bound_kib;
using oml::test::peak_rss_of_children_kib;

TEST(HostileInputsCli, CsvRowsOfAMillionCommasAreRefusedWithSmallMemory) {
  // 64 rows of 1,048,575 fields (64 MB). Holding every field, as the reader did, took 32+ bytes a
  // field: over 2 GB. Now only the header's count plus one are kept.
  const ScratchDir dir("hostile_csv_commas");
  const std::string csv = dir.file("df.csv");
  {
    std::ofstream out(csv, std::ios::binary);
    out << kHeader;
    const std::string row = std::string((size_t{1} << 20) - 2, ',') + "\n";
    for (int i = 0; i < 64; ++i) out << row;
  }
  const auto result = run_oml("validate --csv " + csv);
  EXPECT_EQ(result.exit_code, 2) << result.output.substr(0, 2000);
  EXPECT_THAT(result.output, HasSubstr("df.csv:2: expected 5 fields as in the header, got 1048575"));
  EXPECT_LT(peak_rss_of_children_kib(), peak_rss_bound_kib(400 * 1024)) << "peak RSS of the oml run, KiB";
}

TEST(HostileInputsCli, CsvLineLongerThanTheLimitIsRefusedNamingTheLine) {
  const ScratchDir dir("hostile_csv_line");
  const std::string csv =
      dir.write("df.csv", kHeader + "0,a.jpg,validation,True,True\n" + std::string(2 << 20, 'x') + "\n");
  const auto result = run_oml("validate --csv " + csv);
  EXPECT_EQ(result.exit_code, 2) << result.output.substr(0, 2000);
  EXPECT_THAT(
      result.output,
      HasSubstr("df.csv:3: line is 2097153 bytes long, more than the limit of 1048576 (is this an OML "
                "CSV file?)"));
}

TEST(HostileInputsCli, CsvFieldLongerThanTheLimitIsRefusedNamingItsRow) {
  // A quoted field of 70 lines of 1000 bytes: no line breaks the line limit, the field breaks its own.
  std::string field = "\"";
  for (int i = 0; i < 70; ++i) field += std::string(1000, 'p') + "\n";
  field += "\"";
  const ScratchDir dir("hostile_csv_field");
  const std::string csv = dir.write("df.csv", kHeader + "0," + field + ",validation,True,True\n");
  const auto result = run_oml("validate --csv " + csv);
  EXPECT_EQ(result.exit_code, 2) << result.output.substr(0, 2000);
  EXPECT_THAT(result.output,
              HasSubstr("df.csv:2: field 2 is 70070 bytes long, more than the limit of 65536 (a quote never "
                        "closed?)"));
}

TEST(HostileInputsCli, SearchResultsOfOneHugeLineAreRefusedWithSmallMemory) {
  // A 64 MB line of commas: read whole and split, it took over 2 GB.
  const ScratchDir dir("hostile_results");
  const std::string images = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";
  const std::string csv = dir.write("df.csv", kHeader + "0," + images + "board.jpg,validation,True,True\n0," +
                                                  images + "flower.jpg,validation,True,True\n");
  const std::string results = dir.file("r.csv");
  {
    std::ofstream out(results, std::ios::binary);
    out << "query_row,rank,gallery_row,distance\n" << std::string(size_t{64} << 20, ',') << "\n";
  }
  const auto result =
      run_oml("report --csv " + csv + " --results " + results + " --out " + dir.file("r.html"));
  EXPECT_EQ(result.exit_code, 2) << result.output.substr(0, 2000);
  EXPECT_THAT(result.output,
              HasSubstr("r.csv:2: line is longer than 4096 bytes (not a file written by oml search?)"));
  EXPECT_LT(peak_rss_of_children_kib(), peak_rss_bound_kib(400 * 1024)) << "peak RSS of the oml run, KiB";
}

}  // namespace
}  // namespace oml::retrieval_cli
