// Crashes and full disks (docs/reliability.md, "Faults"): an oml process killed at any point, or
// one whose disk fills, leaves no partial file under an output's name and the previous file intact;
// a killed training continues with --resume to the weights an uninterrupted run reaches.
//
// A deterministic kill in the middle of a write: RLIMIT_FSIZE below the output's size makes the
// kernel send SIGXFSZ inside the write() that crosses it, which ends the process as kill -9 does
// (no handler runs). With SIGXFSZ ignored, the same write fails with EFBIG: a disk full for that
// file. A real full file system is a 64 KB tmpfs mounted in a private mount namespace.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "fault_helpers.h"
#include "retrieval_cli_helpers.h"

namespace oml::retrieval_cli {
namespace {

using test_support::run_command;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace oml::faults;
namespace fs = std::filesystem;

// 200 validation rows (20 labels), random 8-D embeddings: search --top-k 20 writes about 60 KB.
std::string write_retrieval_inputs(const ScratchDir& dir) {
  std::string csv = "label,path,split,is_query,is_gallery\n";
  Matrix embeddings;
  embeddings.rows = 200;
  embeddings.cols = 8;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  for (int i = 0; i < 200; ++i) {
    csv += std::to_string(i % 20) + ",x" + std::to_string(i) + ".jpg,validation,True,True\n";
    for (int d = 0; d < 8; ++d) embeddings.values.push_back(normal(rng));
  }
  write_npy(dir.file("e.npy"), embeddings);
  return dir.write("df.csv", csv);
}

// Train labels 0-3 and validation labels 4-5 on the fixture images, 4 rows each.
std::string write_image_csv(const ScratchDir& dir) { return dir.write("df.csv", fixture_image_csv(4)); }

TEST(FaultsCli, SearchKilledWhileWritingKeepsThePreviousResults) {
  const ScratchDir dir("faults_search_kill");
  const std::string csv = write_retrieval_inputs(dir);
  const std::vector<std::string> args = {"search",  "--csv", csv,     "--embeddings",   dir.file("e.npy"),
                                         "--top-k", "20",    "--out", dir.file("r.csv")};
  ASSERT_EQ(exit_code(run_oml_child(args, dir.file("log"))), 0) << read_text(dir.file("log"));
  const std::string previous = file_bytes(dir.file("r.csv"));
  ASSERT_GT(previous.size(), 16384u);

  const int status = run_oml_child(args, dir.file("log"), {16384, false});
  EXPECT_TRUE(killed_by(status, SIGXFSZ)) << status << read_text(dir.file("log"));
  EXPECT_EQ(file_bytes(dir.file("r.csv")), previous);
  // The killed process's temporary stays behind, under its own name, never under r.csv.
  for (const auto& name : names_starting(dir.path(), "r.csv.")) EXPECT_THAT(name, HasSubstr(".tmp."));
}

TEST(FaultsCli, WritesPastTheFileSizeLimitFailClearlyAndLeaveNothing) {
  const ScratchDir dir("faults_efbig");
  const std::string csv = write_retrieval_inputs(dir);
  const int search = run_oml_child({"search", "--csv", csv, "--embeddings", dir.file("e.npy"), "--top-k",
                                    "20", "--out", dir.file("r.csv")},
                                   dir.file("log"), {16384, true});
  EXPECT_EQ(exit_code(search), 2) << read_text(dir.file("log"));
  EXPECT_THAT(read_text(dir.file("log")), HasSubstr(dir.file("r.csv") +
                                                    ": cannot write: File too large (nothing "
                                                    "was written to " +
                                                    dir.file("r.csv") + ")"));
  EXPECT_TRUE(names_starting(dir.path(), "r.csv").empty());

  const int evaluate = run_oml_child(
      {"evaluate", "--csv", csv, "--embeddings", dir.file("e.npy"), "--json", dir.file("m.json")},
      dir.file("log"), {64, true});
  EXPECT_EQ(exit_code(evaluate), 2) << read_text(dir.file("log"));
  EXPECT_THAT(read_text(dir.file("log")), HasSubstr(dir.file("m.json") + ": cannot write: File too large"));
  EXPECT_TRUE(names_starting(dir.path(), "m.json").empty());
}

TEST(FaultsCli, EvaluateJsonKilledWhileWritingKeepsThePreviousFile) {
  const ScratchDir dir("faults_evaluate_kill");
  const std::string csv = write_retrieval_inputs(dir);
  const std::vector<std::string> args = {
      "evaluate", "--csv", csv, "--embeddings", dir.file("e.npy"), "--json", dir.file("m.json")};
  ASSERT_EQ(exit_code(run_oml_child(args, dir.file("log"))), 0) << read_text(dir.file("log"));
  const std::string previous = file_bytes(dir.file("m.json"));
  const int status = run_oml_child(args, dir.file("log"), {64, false});
  EXPECT_TRUE(killed_by(status, SIGXFSZ)) << status << read_text(dir.file("log"));
  EXPECT_EQ(file_bytes(dir.file("m.json")), previous);
}

TEST(FaultsCli, SearchOnAFullFileSystemFailsClearlyAndKeepsThePreviousFile) {
  // A private mount namespace (as root, or mapped to root in a user namespace) with a 64 KB tmpfs:
  // the previous 9-byte r.csv fits, the new 60 KB one does not. The listing is taken inside the
  // namespace, before the tmpfs disappears with it.
  const ScratchDir dir("faults_enospc");
  const std::string csv = write_retrieval_inputs(dir);
  const std::string mnt = dir.file("mnt");
  fs::create_directories(mnt);
  const std::string script = "mount -t tmpfs -o size=64k tmpfs " + mnt + " || exit 77; echo previous > " +
                             mnt + "/r.csv; " + OML_CLI_PATH + " search --csv " + csv + " --embeddings " +
                             dir.file("e.npy") + " --top-k 20 --out " + mnt +
                             "/r.csv; echo \"exit=$?\"; ls -A " + mnt + "; cat " + mnt + "/r.csv";
  const auto probe = run_command("unshare --mount --map-root-user true");
  if (probe.exit_code != 0) GTEST_SKIP() << "no private mount namespace here: " << probe.output;
  const auto result = run_command("unshare --mount --map-root-user sh -c '" + script + "'");
  if (result.output.find("exit=") == std::string::npos)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << result.output;
  EXPECT_THAT(result.output, HasSubstr(mnt +
                                       "/r.csv: cannot write: No space left on device (nothing was "
                                       "written to " +
                                       mnt + "/r.csv)"));
  EXPECT_THAT(result.output, HasSubstr("exit=2\nr.csv\nprevious\n"));  // only r.csv, still the old one
}

TEST(FaultsCli, ExtractKilledAtAnyPointKeepsAWholeFile) {
  // Weights: one epoch of a ResNet-18 from scratch at 32 px.
  const ScratchDir dir("faults_extract");
  const std::string csv = write_image_csv(dir);
  ASSERT_EQ(exit_code(run_oml_child(small_train_extractor_args(csv, kFixtureImages, dir.file("w.pth"), "1"),
                                    dir.file("log"))),
            0)
      << read_text(dir.file("log"));
  const auto extract = [&](const std::string& size) {
    return std::vector<std::string>{"extract",   "--csv",           csv,      "--root",   kFixtureImages,
                                    "--weights", dir.file("w.pth"), "--arch", "resnet18", "--size",
                                    size,        "--threads",       "1",      "--out",    dir.file("e.npy")};
  };
  ASSERT_EQ(exit_code(run_oml_child(extract("32"), dir.file("log"))), 0) << read_text(dir.file("log"));
  const std::string previous = file_bytes(dir.file("e.npy"));  // 24 rows x 512 floats: 49 KB

  // Killed inside the write.
  EXPECT_TRUE(killed_by(run_oml_child(extract("48"), dir.file("log"), {16384, false}), SIGXFSZ));
  EXPECT_EQ(file_bytes(dir.file("e.npy")), previous);
  // Disk full for this file.
  EXPECT_EQ(exit_code(run_oml_child(extract("48"), dir.file("log"), {16384, true})), 2);
  EXPECT_THAT(read_text(dir.file("log")), HasSubstr(dir.file("e.npy") + ": cannot write: File too large"));
  EXPECT_EQ(file_bytes(dir.file("e.npy")), previous);

  // kill -9 as soon as the run prints (loading), then after 100, 300 and 600 ms (decoding,
  // embedding, writing): wherever it lands, e.npy is the previous file or the whole new one. A kill
  // after the rename leaves the new file, which is as whole as a finished run's.
  int killed = 0;
  std::vector<std::string> changed;  // e.npy after a kill, where it is not the previous file
  for (const int delay_ms : {0, 100, 300, 600}) {
    SCOPED_TRACE("kill after " + std::to_string(delay_ms) + " ms");
    const auto started = std::chrono::steady_clock::now();
    const int status = kill_when(extract("48"), dir.file("log"), [&] {
      return has_output(dir.file("log")) &&
             std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(delay_ms);
    });
    killed += killed_by(status, SIGKILL) ? 1 : 0;
    const std::string after = file_bytes(dir.file("e.npy"));
    if (after != previous) changed.push_back(after);
  }
  EXPECT_GE(killed, 2) << "the runs ended before most kills landed";
  ASSERT_EQ(exit_code(run_oml_child(extract("48"), dir.file("log"))), 0) << read_text(dir.file("log"));
  const std::string whole = file_bytes(dir.file("e.npy"));
  EXPECT_EQ(read_npy(dir.file("e.npy")).rows, 24);
  for (const auto& bytes : changed)
    EXPECT_TRUE(bytes == whole) << "a cut e.npy of " << bytes.size() << " bytes";
}

TEST(FaultsCli, TrainExtractorKilledWhileSavingResumesToTheUninterruptedWeights) {
  const ScratchDir dir("faults_train_extractor");
  const std::string csv = write_image_csv(dir);
  const auto train = [&](const std::string& out, const std::string& epochs, bool resume) {
    return small_train_extractor_args(csv, kFixtureImages, dir.file(out), epochs, resume);
  };
  ASSERT_EQ(exit_code(run_oml_child(train("full.pth", "2", false), dir.file("log"))), 0)
      << read_text(dir.file("log"));

  ASSERT_EQ(exit_code(run_oml_child(train("part.pth", "1", false), dir.file("log"))), 0);
  const std::string epoch1 = file_bytes(dir.file("part.pth"));
  const std::string state1 = file_bytes(dir.file("part.pth.state.json"));
  // Epoch 2 dies while writing its first file (a 45 MB checkpoint, limit 1 MB).
  EXPECT_TRUE(
      killed_by(run_oml_child(train("part.pth", "2", true), dir.file("log"), {1 << 20, false}), SIGXFSZ))
      << read_text(dir.file("log"));
  EXPECT_EQ(file_bytes(dir.file("part.pth")), epoch1);
  EXPECT_EQ(file_bytes(dir.file("part.pth.state.json")), state1);

  ASSERT_EQ(exit_code(run_oml_child(train("part.pth", "2", true), dir.file("log"))), 0)
      << read_text(dir.file("log"));
  EXPECT_THAT(read_text(dir.file("log")), HasSubstr("resuming after epoch 1 of 2"));
  EXPECT_EQ(file_bytes(dir.file("part.pth")), file_bytes(dir.file("full.pth")));
  EXPECT_EQ(file_bytes(dir.file("part.pth.last.pth")), file_bytes(dir.file("full.pth.last.pth")));
  EXPECT_THAT(names_starting(dir.path(), "part.pth"), Not(testing::Contains(HasSubstr(".pending"))));
}

TEST(FaultsCli, TrainRerankerKilledWhileSavingResumes) {
  const ScratchDir dir("faults_train_reranker");
  const std::string csv = write_image_csv(dir);
  Matrix embeddings;
  embeddings.rows = 24;
  embeddings.cols = 4;
  for (int i = 0; i < 24 * 4; ++i) embeddings.values.push_back(static_cast<float>((i * 37) % 11));
  write_npy(dir.file("e.npy"), embeddings);
  const auto train = [&](const std::string& epochs, const std::string& resume) {
    return small_train_reranker_args(csv, kFixtureImages, dir.file("e.npy"), "vitt16", epochs,
                                     dir.file("s.pth"), resume);
  };
  ASSERT_EQ(exit_code(run_oml_child(train("1", ""), dir.file("log"))), 0) << read_text(dir.file("log"));
  const std::vector<std::string> written = names_starting(dir.path(), "s.pth");
  std::string last = dir.file("s.pth");
  for (const auto& name : written)
    if (name.find(".last.pth") != std::string::npos && name.find(".state") == std::string::npos)
      last = dir.file(name);
  const std::string epoch1 = file_bytes(last);
  const std::string state1 = file_bytes(last + ".state");
  ASSERT_FALSE(state1.empty()) << "files: " << testing::PrintToString(written);

  EXPECT_TRUE(killed_by(run_oml_child(train("2", last), dir.file("log"), {256 << 10, false}), SIGXFSZ))
      << read_text(dir.file("log"));
  EXPECT_EQ(file_bytes(last), epoch1);
  EXPECT_EQ(file_bytes(last + ".state"), state1);
  ASSERT_EQ(exit_code(run_oml_child(train("2", last), dir.file("log"))), 0) << read_text(dir.file("log"));
  EXPECT_NE(file_bytes(last), epoch1);
  EXPECT_THAT(names_starting(dir.path(), "s.pth"), Not(testing::Contains(HasSubstr(".pending"))));
}

// An output directory that does not exist fails before any work, not after hours of it.
TEST(FaultsCli, AMissingOutputDirectoryIsRefusedBeforeAnyWork) {
  const ScratchDir dir("faults_missing_directory");
  const std::string csv = write_retrieval_inputs(dir);
  const std::string missing = dir.file("no/such/dir");
  const std::vector<std::pair<std::string, std::string>> commands = {
      {"search --csv " + csv + " --embeddings " + dir.file("e.npy") + " --out " + missing + "/r.csv",
       "--out " + missing + "/r.csv"},
      {"evaluate --csv " + csv + " --embeddings " + dir.file("e.npy") + " --json " + missing + "/m.json",
       "--json " + missing + "/m.json"},
      {"extract --csv " + csv + " --weights " + dir.file("absent.pth") + " --out " + missing + "/e.npy",
       "--out " + missing + "/e.npy"},
      {"train-extractor --csv " + csv + " --out " + missing + "/x.pth", "--out " + missing + "/x.pth"},
      {"train-reranker --csv " + csv + " --embeddings " + dir.file("e.npy") + " --weights none --out " +
           missing + "/r.pth",
       "--out " + missing + "/r.pth"},
  };
  for (const auto& [arguments, option] : commands) {
    const auto result = test_support::run_oml(arguments);
    EXPECT_EQ(result.exit_code, 2) << arguments << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr(option + ": cannot write: directory " + missing + " does not exist"))
        << arguments;
  }
}

}  // namespace
}  // namespace oml::retrieval_cli
