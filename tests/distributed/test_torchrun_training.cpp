// train-extractor and train-reranker as torchrun jobs (data-parallel, docs/distributed.md
// "Training") against the same command in one process: the same global batches give the same
// losses within a float tolerance, rank 0 alone writes the files, and --resume continues at
// another world size.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "distributed/torchrun_helpers.h"
#include "oml/io/npy.h"

namespace oml::distributed::testing {
namespace {

using ::testing::HasSubstr;

const std::string kImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images";

// 8 train labels of 4 rows (the fixture images repeat under other labels) and 2 validation labels.
std::string write_training_csv(const ScratchDir& scratch) {
  const std::vector<std::string> images = {"board.jpg", "flower.jpg", "photo.bmp",
                                           "gray.jpg",  "rgba.png",   "palette.png"};
  std::ofstream csv(scratch.file("df.csv"));
  csv << "label,path,split,is_query,is_gallery\n";
  for (int label = 0; label < 10; ++label) {
    for (int i = 0; i < 4; ++i) {
      csv << label << "," << images[(label + i) % images.size()]
          << (label < 8 ? ",train,," : ",validation,True,True") << "\n";
    }
  }
  return scratch.file("df.csv");
}

// The per-epoch losses train-extractor records in OUT.state.json.
std::vector<double> extractor_losses(const std::string& out) {
  std::ifstream in(out + ".state.json");
  const auto state = nlohmann::json::parse(in);
  std::vector<double> losses;
  for (const auto& epoch : state.at("history")) losses.push_back(epoch.at("loss").get<double>());
  return losses;
}

// The "epoch N mean loss X" lines train-reranker prints at the end (rank 0's only).
std::vector<double> reranker_losses(const std::string& output) {
  std::vector<double> losses;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    // Under torchrun the line carries the tee's "[default0]:" prefix.
    const auto at = line.find(" mean loss ");
    if (line.find("epoch ") != std::string::npos && at != std::string::npos)
      losses.push_back(std::stod(line.substr(at + 11)));
  }
  return losses;
}

void expect_close(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], tolerance * std::max(1.0, std::abs(expected[i])))
        << "epoch " << i + 1;
  }
}

class TorchrunTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torchrun_installed()) GTEST_SKIP() << "no /usr/bin/torchrun (python3-torch)";
  }
};

// A ViT (LayerNorm only, no batch statistics): ranks differ from one process only in the order of
// float sums.
TEST_F(TorchrunTraining, ExtractorOverTwoRanksFollowsTheOneProcessLossesAndResumesOnThree) {
  const ScratchDir scratch("torchrun_train_extractor");
  const std::string csv = write_training_csv(scratch);
  const auto args = [&](const std::string& out, int epochs) {
    return "train-extractor --csv " + csv + " --root " + kImages +
           " --arch vitt16 --size 32 --n-labels 4 --n-instances 2 --lr 1e-3 --epochs " +
           std::to_string(epochs) + " --val-every 0 --threads 1 --quiet --out " + scratch.file(out);
  };
  const CommandResult one = run_oml(args("one.pth", 3));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const std::vector<double> expected = extractor_losses(scratch.file("one.pth"));
  ASSERT_EQ(expected.size(), 3u);
  ASSERT_GT(expected[0], 0.01);

  const CommandResult two = run_oml_torchrun(2, args("two.pth", 3), scratch.file("logs2"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  expect_close(extractor_losses(scratch.file("two.pth")), expected, 1e-4);

  // One epoch on 2 ranks, then the other two resumed on 3.
  const CommandResult first = run_oml_torchrun(2, args("resumed.pth", 1), scratch.file("logs3"));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const CommandResult rest = run_oml_torchrun(3, args("resumed.pth", 3) + " --resume", scratch.file("logs4"));
  ASSERT_EQ(rest.exit_code, 0) << rest.output;
  EXPECT_THAT(rest.output, HasSubstr("resuming after epoch 1 of 3"));
  expect_close(extractor_losses(scratch.file("resumed.pth")), expected, 1e-4);
}

// A ViT siamese on each step's pairs split across ranks: the same losses as one process within the
// order of float sums. (A ResNet's BatchNorm would take its statistics over each rank's share, as
// PyTorch's DDP does without SyncBatchNorm.)
TEST_F(TorchrunTraining, RerankerOverTwoAndThreeRanksFollowsTheOneProcessLosses) {
  const ScratchDir scratch("torchrun_train_reranker");
  const std::string csv = write_training_csv(scratch);
  Matrix embeddings;
  embeddings.cols = 4;
  for (int r = 0; r < 40; ++r) {
    for (int d = 0; d < 4; ++d) embeddings.values.push_back(static_cast<float>((r * 7 + d * 3) % 5));
    ++embeddings.rows;
  }
  write_npy(scratch.file("e.npy"), embeddings);
  const auto args = [&](const std::string& out) {
    return "train-reranker --csv " + csv + " --root " + kImages + " --embeddings " + scratch.file("e.npy") +
           " --weights none --arch vitt16 --size 32 --n-labels 4 --n-instances 2 --optimizer adam --lr 1e-4"
           " --epochs 2 --threads 1 --out " +
           scratch.file(out);
  };
  const CommandResult one = run_oml(args("one.pth"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const std::vector<double> expected = reranker_losses(one.output);
  ASSERT_EQ(expected.size(), 2u) << one.output;

  const CommandResult two = run_oml_torchrun(2, args("two.pth"), scratch.file("logs2"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const std::vector<double> losses = reranker_losses(two.output);
  ASSERT_EQ(losses.size(), 2u) << "rank 0 alone prints its summary: " << two.output;
  expect_close(losses, expected, 1e-4);
  EXPECT_TRUE(std::ifstream(scratch.file("two.pth")).good());
  EXPECT_TRUE(std::ifstream(scratch.file("two.pth.state")).good());

  // 3 ranks: the batch's pairs do not split evenly, one share is shorter.
  const CommandResult three = run_oml_torchrun(3, args("three.pth"), scratch.file("logs3"));
  ASSERT_EQ(three.exit_code, 0) << three.output;
  expect_close(reranker_losses(three.output), expected, 1e-4);
}

// kill -9 of rank 1 once epoch 1 is committed: the job ends non-zero within a bounded time, naming
// the lost rank; the committed files stay whole, and --resume (on one process) completes.
TEST_F(TorchrunTraining, ARankKilledMidRunEndsTheJobAndResumeRecovers) {
  const ScratchDir scratch("torchrun_train_killed");
  const std::string csv = write_training_csv(scratch);
  const std::string out = scratch.file("killed.pth");
  const std::string args = "train-extractor --csv " + csv + " --root " + kImages +
                           " --arch vitt16 --size 32 --n-labels 2 --n-instances 2 --epochs 6 --val-every 0"
                           " --threads 1 --quiet --out " +
                           out;
  const std::string log = scratch.file("torchrun.log");
  const pid_t job = start_oml_torchrun(2, args, scratch.file("logs"), log);
  const auto started = std::chrono::steady_clock::now();
  pid_t victim = -1;
  while (std::chrono::steady_clock::now() - started < std::chrono::minutes(3) &&
         ::waitpid(job, nullptr, WNOHANG) == 0) {
    if (std::filesystem::exists(out + ".state.json")) victim = find_worker(out, 1);
    if (victim > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(victim, 0) << "no rank 1 worker while training: " << read_bytes(log);
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  const JobEnd end = wait_for_job(job, std::chrono::minutes(2));
  ASSERT_LT(end.seconds, 60.0) << "the job outlived its killed rank";
  EXPECT_TRUE(WIFEXITED(end.status) && WEXITSTATUS(end.status) != 0) << read_bytes(log);
  EXPECT_THAT(read_bytes(log), HasSubstr("rank      : 1")) << "torchrun names the lost rank";
  EXPECT_LT(extractor_losses(out).size(), 6u);

  const CommandResult resumed = run_oml(args + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(extractor_losses(out).size(), 6u);
}

}  // namespace
}  // namespace oml::distributed::testing
