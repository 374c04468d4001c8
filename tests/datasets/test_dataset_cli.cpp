#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dataset_test_support.h"

namespace {

namespace fs = std::filesystem;
using oml::datasets::fresh_directory;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult run_cli(const std::string& arguments) {
  const std::string command = std::string(OML_CLI_PATH) + " " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int count_lines(const std::string& path) {
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

TEST(DatasetCli, CjkFontsPrintsItsSizeAndWritesTheCsv) {
  const std::string out = fresh_directory("cli_cjk");
  const CommandResult result =
      run_cli("dataset cjk-fonts --out " + out + " --classes 4 --fonts 3 --min-fonts 3 --size 16 --seed 0");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("cjk-fonts: 4 classes x 3 instances = 12 images; train: 2 classes, 6 images; "
                               "validation: 2 classes, 6 images (6 queries, 6 galleries)"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(count_lines(out + "/df.csv"), 1 + 12);
}

TEST(DatasetCli, FashionMnistPrintsItsSize) {
  const std::string out = fresh_directory("cli_fashion");
  const CommandResult result = run_cli("dataset fashion-mnist --out " + out + " --limit-per-class 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(
      result.output.find("fashion-mnist: 10 classes x 4 instances = 40 images; train: 10 classes, 20 images; "
                         "validation: 10 classes, 20 images (10 queries, 10 galleries)"),
      std::string::npos)
      << result.output;
}

TEST(DatasetCli, EmojiPrintsItsSizeAndWritesTheCsv) {
  const std::string out = fresh_directory("cli_emoji");
  const CommandResult result = run_cli("dataset emoji --out " + out + " --classes 6 --size 16 --seed 0");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("emoji: 6 classes x 3 instances = 18 images; train: 3 classes, 9 images; "
                               "validation: 3 classes, 9 images (9 queries, 9 galleries)"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("images per vendor: google 6, twitter 6, openmoji 6"), std::string::npos)
      << result.output;
  EXPECT_EQ(count_lines(out + "/df.csv"), 1 + 18);
}

TEST(DatasetCli, BadInputExitsWithCode2) {
  const std::string out = fresh_directory("cli_bad");
  CommandResult result = run_cli("dataset cjk-fonts --out " + out + " --size 2");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--size"), std::string::npos) << result.output;
  result = run_cli("dataset fashion-mnist --out " + out + " --source /nonexistent");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("dataset-fashion-mnist"), std::string::npos) << result.output;
  result = run_cli("dataset emoji --out " + out + " --vendors google,noto");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("unknown vendor 'noto'"), std::string::npos) << result.output;
  result = run_cli("dataset no-such-dataset --out " + out);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  result = run_cli("dataset cjk-fonts");  // --out is required
  EXPECT_EQ(result.exit_code, 2) << result.output;
}

}  // namespace
