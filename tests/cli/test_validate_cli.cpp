// Runs the built `oml validate` on small datasets and checks exit codes and printed text.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

namespace {

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CliResult run_oml(const std::string& arguments, const std::filesystem::path& scratch) {
  const std::string output_path = (scratch / "cli_output.txt").string();
  const std::string command =
      std::string("'") + OML_CLI_PATH + "' " + arguments + " > '" + output_path + "' 2>&1";
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(output_path);
  result.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return result;
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("oml_test_validate_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "images");
  return dir;
}

void write_png(const std::filesystem::path& path) {
  const cv::Mat image(4, 6, CV_8UC3, cv::Scalar(10, 20, 30));
  ASSERT_TRUE(cv::imwrite(path.string(), image));
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Five images (one of them not decodable) and a CSV with categories, sequences and a warning.
std::filesystem::path make_dataset(const std::string& name) {
  const auto dir = fresh_dir(name);
  for (const char* file : {"a0.png", "a1.png", "b0.png", "b1.png"}) write_png(dir / "images" / file);
  write_text(dir / "images" / "broken.png", "this is not a png");
  write_text(dir / "df.csv",
             "label,path,split,is_query,is_gallery,category,sequence\n"
             "0,images/a0.png,train,,,shoes,s0\n"
             "0,images/broken.png,train,,,shoes,s0\n"
             "1,images/a1.png,validation,True,True,bags,s1\n"
             "1,images/b0.png,validation,True,False,bags,s2\n"
             "1,images/b1.png,validation,False,True,hats,s2\n");
  return dir;
}

TEST(ValidateCli, PrintsWarningsAndSummaryAndSucceeds) {
  const auto dir = make_dataset("ok");
  const std::string csv = (dir / "df.csv").string();
  const CliResult result = run_oml("validate --csv '" + csv + "'", dir);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(
      result.output.find("warning: " + csv + ":6: label 1 has category 'hats' here but 'bags' on line 4"),
      std::string::npos)
      << result.output;
  const std::string summary = csv + ": 5 rows (train 2, validation 3), root " + dir.string() +
                              "\n"
                              "  labels:            2 distinct\n"
                              "  queries:           2\n"
                              "  galleries:         2\n"
                              "  query and gallery: 1\n"
                              "  categories:        3 distinct\n"
                              "  sequences:         3 distinct\n"
                              "  missing files:     0\n"
                              "OK\n";
  EXPECT_NE(result.output.find(summary), std::string::npos) << result.output;
}

TEST(ValidateCli, CheckImagesReportsUndecodableFiles) {
  const auto dir = make_dataset("decode");
  const std::string csv = (dir / "df.csv").string();
  const CliResult result = run_oml("validate --csv '" + csv + "' --check-images", dir);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("  undecodable:       1\n"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("error: " + csv + ":3: column 'path': "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("broken.png"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("OK\n"), std::string::npos) << result.output;
}

TEST(ValidateCli, MissingFilesAreCountedThenFailRule7) {
  const auto dir = make_dataset("missing");
  std::filesystem::remove(dir / "images" / "b0.png");
  const std::string csv = (dir / "df.csv").string();
  const CliResult result = run_oml("validate --csv '" + csv + "'", dir);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("  missing files:     1\n"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("error: " + csv + ":5: column 'path': file not found: " + dir.string() +
                               "/images/b0.png"),
            std::string::npos)
      << result.output;
}

TEST(ValidateCli, RootOptionRedirectsRelativePaths) {
  const auto dir = make_dataset("root");
  const auto elsewhere = fresh_dir("root_csv");
  std::filesystem::copy_file(dir / "df.csv", elsewhere / "df.csv");
  const std::string csv = (elsewhere / "df.csv").string();
  EXPECT_EQ(run_oml("validate --csv '" + csv + "'", elsewhere).exit_code, 2);
  const CliResult result = run_oml("validate --csv '" + csv + "' --root '" + dir.string() + "'", elsewhere);
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(ValidateCli, InvalidCsvExitsTwoWithTheMessages) {
  const auto dir = fresh_dir("invalid");
  const std::string csv = (dir / "df.csv").string();
  write_text(dir / "df.csv",
             "label,path,split,is_query,is_gallery\n"
             "1,a.png,val,True,True\n"
             "2.5,b.png,train,,\n");
  const CliResult result = run_oml("validate --csv '" + csv + "'", dir);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output, "error: " + csv +
                               ":2: column 'split': expected 'train' or 'validation' (got 'val')\n" + csv +
                               ":3: column 'label': expected an integer (got '2.5')\n");
}

TEST(ValidateCli, MissingCsvAndMissingOptionExitTwo) {
  const auto dir = fresh_dir("absent");
  const CliResult absent = run_oml("validate --csv '" + (dir / "nope.csv").string() + "'", dir);
  EXPECT_EQ(absent.exit_code, 2);
  EXPECT_EQ(absent.output, "error: " + (dir / "nope.csv").string() + ": file not found\n");
  EXPECT_EQ(run_oml("validate", dir).exit_code, 2);
}

}  // namespace
