// --max-image-pixels end to end: a real 20000 x 20000 PNG decompression bomb is refused with exit 2
// from its header (small memory), a lowered limit warns and proceeds or refuses, every command that
// reads images takes the option.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/blank_png.h"
#include "retrieval_cli_helpers.h"
#include "support/peak_memory.h"

namespace oml::retrieval_cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images";

// Two validation rows that retrieve each other; photo.bmp and rgba.png are 96 x 72 = 6912 pixels.
std::string write_csv(const ScratchDir& dir, const std::string& second_image) {
  return dir.write("df.csv",
                   "label,path,split,is_query,is_gallery\n"
                   "0," +
                       kImages +
                       "/photo.bmp,validation,True,True\n"
                       "0," +
                       second_image + ",validation,True,True\n");
}

TEST(ImageLimitCli, EveryCommandThatReadsImagesTakesTheOption) {
  for (const std::string command : {"extract", "train-extractor", "train-reranker", "evaluate", "search",
                                    "report", "validate", "dataset emoji", "serve"}) {
    const auto result = run_oml(command + " --help");
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_THAT(result.output, HasSubstr("--max-image-pixels")) << command;
    EXPECT_THAT(result.output, HasSubstr("89478485")) << command;  // Pillow's default shown
  }
}

TEST(ImageLimitCli, RealBombIsRefusedFromItsHeaderWithSmallMemory) {
  const ScratchDir dir("image_limit_bomb");
  const std::string bomb = dir.file("bomb.png");
  testing::write_blank_gray_png(bomb, 20000, 20000);  // 400 M pixels in a few hundred KB
  const std::string csv = write_csv(dir, bomb);
  const auto result = run_oml("validate --check-images --csv " + csv);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("df.csv:3: column 'path': " + bomb +
                                       ": image is 20000x20000 = 400000000 pixels, more than twice the limit "
                                       "of 89478485 pixels"));
  EXPECT_THAT(result.output, HasSubstr("undecodable:       1"));
  // The binary alone peaks at about 165 MB here (libtorch's pages); decoding would add 400 MB of
  // grey plus 1.2 GB of RGB. This process waited for no other child before (ctest runs each test
  // in its own process), so the children's peak is the oml run's.
  EXPECT_LT(oml::test::peak_rss_of_children_kib(), oml::test::peak_rss_bound_kib(400 * 1024))
      << "peak RSS of the oml run, KiB";
}

TEST(ImageLimitCli, LoweredLimitWarnsAndProceedsThenRefuses) {
  const ScratchDir dir("image_limit_lowered");
  const std::string csv = write_csv(dir, kImages + "/rgba.png");
  const auto warned = run_oml("validate --check-images --max-image-pixels 5000 --csv " + csv);
  EXPECT_EQ(warned.exit_code, 0) << warned.output;
  EXPECT_THAT(warned.output, HasSubstr("warning: " + kImages +
                                       "/photo.bmp: image is 96x72 = 6912 pixels, "
                                       "above the limit of 5000 pixels"));
  EXPECT_THAT(warned.output, HasSubstr("OK"));

  const auto refused = run_oml("validate --check-images --max-image-pixels 3000 --csv " + csv);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("rgba.png: image is 96x72 = 6912 pixels, more than twice the limit "
                                        "of 3000 pixels"));

  const auto unlimited = run_oml("validate --check-images --max-image-pixels 0 --csv " + csv);
  EXPECT_EQ(unlimited.exit_code, 0) << unlimited.output;
  EXPECT_THAT(unlimited.output, Not(HasSubstr("warning")));
}

TEST(ImageLimitCli, ReportThumbnailsAreGuarded) {
  const ScratchDir dir("image_limit_report");
  const std::string csv = write_csv(dir, kImages + "/rgba.png");
  const std::string results =
      dir.write("r.csv", "query_row,rank,gallery_row,distance\n0,1,1,0.5\n1,1,0,0.5\n");
  const std::string out = dir.file("report.html");
  const auto refused =
      run_oml("report --csv " + csv + " --results " + results + " --out " + out + " --max-image-pixels 3000");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("image is 96x72 = 6912 pixels, more than twice the limit of 3000"));
  EXPECT_FALSE(std::filesystem::exists(out));
  const auto written = run_oml("report --csv " + csv + " --results " + results + " --out " + out);
  EXPECT_EQ(written.exit_code, 0) << written.output;
  EXPECT_TRUE(std::filesystem::exists(out));
}

TEST(ImageLimitCli, NegativeLimitIsABadArgument) {
  const auto result = run_oml("validate --check-images --max-image-pixels -5 --csv none.csv");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("--max-image-pixels"));
}

}  // namespace
}  // namespace oml::retrieval_cli
