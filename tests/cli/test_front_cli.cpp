// The light front `oml` (src/oml/cli/front/): it must not load libtorch or OpenCV, must print what
// oml-full prints for the commands it runs itself, and must hand every other command line to
// oml-full with its exit code, stdout and stderr unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "retrieval_cli_helpers.h"

namespace oml::retrieval_cli {
namespace {

const std::string kFront = OML_CLI_PATH;
const std::string kFull = (std::filesystem::path(OML_CLI_PATH).parent_path() / "oml-full").string();

struct Outputs {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// stderr without the progress lines, whose rates differ from run to run.
std::string without_progress(const std::string& text) {
  std::string kept;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size() - 1) + 1;
    const std::string line = text.substr(start, end - start);
    if (line.find(" queries/s ") == std::string::npos) kept += line;
    start = end;
  }
  return kept;
}

// Runs `binary arguments` with stdout and stderr (less progress lines) kept apart.
Outputs run_split(const ScratchDir& dir, const std::string& binary, const std::string& arguments) {
  const std::string out = dir.file("stdout.txt");
  const std::string err = dir.file("stderr.txt");
  const CommandResult result =
      test_support::run_command("{ '" + binary + "' " + arguments + " > '" + out + "' 2> '" + err + "'; }");
  return {result.exit_code, read_text(out), without_progress(read_text(err))};
}

TEST(FrontCli, LoadsNeitherLibtorchNorOpenCv) {
  const CommandResult front = test_support::run_command("ldd '" + kFront + "'");
  ASSERT_EQ(front.exit_code, 0) << front.output;
  EXPECT_EQ(front.output.find("libtorch"), std::string::npos) << front.output;
  EXPECT_EQ(front.output.find("libc10"), std::string::npos) << front.output;
  EXPECT_EQ(front.output.find("libopencv"), std::string::npos) << front.output;
  // The check can see them: oml-full loads both.
  const CommandResult full = test_support::run_command("ldd '" + kFull + "'");
  EXPECT_NE(full.output.find("libtorch"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("libopencv_imgcodecs"), std::string::npos) << full.output;
}

TEST(FrontCli, RunsEvaluateSearchValidateAsTheFullBinary) {
  ScratchDir dir("front_same");
  const std::string csv = write_small_dataset(dir);
  const std::string embeddings = dir.file("e.npy");
  for (const std::string& binary : {kFront, kFull}) {
    const std::string tag = binary == kFront ? "front" : "full";
    const Outputs evaluate = run_split(dir, binary,
                                       "evaluate --csv " + csv + " --embeddings " + embeddings +
                                           " --cmc 1,2 --fmr 0.5 --pcf 0.5 --categories --threads 1 --json " +
                                           dir.file(tag + ".json"));
    ASSERT_EQ(evaluate.exit_code, 0) << evaluate.err;
    dir.write(tag + "_table.txt", evaluate.out);
    for (const char* index : {"exact", "hnsw"}) {
      const Outputs search = run_split(dir, binary,
                                       "search --csv " + csv + " --embeddings " + embeddings +
                                           " --top-k 3 --threads 1 --index " + std::string(index) +
                                           " --out " + dir.file(tag + "_" + index + ".csv"));
      ASSERT_EQ(search.exit_code, 0) << search.err;
    }
    const Outputs validate = run_split(dir, binary, "validate --csv " + csv);
    EXPECT_EQ(validate.exit_code, 2);  // the images do not exist (rule 7)
    dir.write(tag + "_validate.txt", validate.out + "|" + validate.err);
  }
  for (const char* name : {"_table.txt", ".json", "_exact.csv", "_hnsw.csv", "_validate.txt"}) {
    EXPECT_EQ(read_text(dir.file(std::string("front") + name)),
              read_text(dir.file(std::string("full") + name)))
        << name;
  }
  EXPECT_NE(read_text(dir.file("front_validate.txt")).find("missing files:     7"), std::string::npos)
      << read_text(dir.file("front_validate.txt"));
}

TEST(FrontCli, ForwardedCommandsKeepExitCodeAndOutput) {
  ScratchDir dir("front_forward");
  const std::string csv = write_small_dataset(dir);
  const std::string embeddings = dir.file("e.npy");
  const std::vector<std::string> command_lines = {
      // a bad --post spec: oml-full's message and exit 2
      "evaluate --csv " + csv + " --embeddings " + embeddings + " --post bogus:n=1",
      // a --post chain that runs
      "search --csv " + csv + " --embeddings " + embeddings + " --threads 1 --post threshold:th=5 --out " +
          dir.file("t.csv"),
      "extract --help",
      "--help",
      "",
      "no-such-command",
  };
  for (const std::string& arguments : command_lines) {
    const Outputs front = run_split(dir, kFront, arguments);
    const Outputs full = run_split(dir, kFull, arguments);
    EXPECT_EQ(front.exit_code, full.exit_code) << arguments;
    EXPECT_EQ(front.out, full.out) << arguments;
    EXPECT_EQ(front.err, full.err) << arguments;
  }
  const Outputs bad_post = run_split(dir, kFront, command_lines[0]);
  EXPECT_EQ(bad_post.exit_code, 2);
  EXPECT_NE(bad_post.err.find("bogus"), std::string::npos) << bad_post.err;
  const Outputs help = run_split(dir, kFront, "extract --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--weights"), std::string::npos) << help.out;
}

TEST(FrontCli, TorchrunVariablesGoToTheFullBinary) {
  ScratchDir dir("front_torchrun");
  const std::string csv = write_small_dataset(dir);
  // RANK without the rest of torchrun's environment: oml-full's launch check rejects it.
  const Outputs front = run_split(dir, "env",
                                  "RANK=0 '" + kFront + "' search --csv " + csv + " --embeddings " +
                                      dir.file("e.npy") + " --out " + dir.file("r.csv"));
  EXPECT_EQ(front.exit_code, 2);
  EXPECT_NE(front.err.find("WORLD_SIZE is not set"), std::string::npos) << front.err;
}

TEST(FrontCli, MissingFullBinaryIsAClearError) {
  ScratchDir dir("front_alone");
  const std::string alone = dir.file("oml");
  std::filesystem::copy_file(kFront, alone);
  const Outputs version = run_split(dir, alone, "--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("oml.cpp ", 0), 0u) << version.out;
  const Outputs zoo = run_split(dir, alone, "zoo");
  EXPECT_EQ(zoo.exit_code, 1);
  EXPECT_NE(zoo.err.find(dir.file("oml-full")), std::string::npos) << zoo.err;
}

}  // namespace
}  // namespace oml::retrieval_cli
