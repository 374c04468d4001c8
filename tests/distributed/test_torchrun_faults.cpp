// Faults of a torchrun job (docs/distributed.md, "Faults"): a rank killed or stopped mid-run ends
// the job within a bounded time with a message naming it and no output file; a job that cannot
// form (the store's port in use, the store unreachable, a rank missing) says so and exits 1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "distributed/torchrun_helpers.h"

namespace oml::distributed::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images";

class TorchrunFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torchrun_installed()) GTEST_SKIP() << "no /usr/bin/torchrun (python3-torch)";
  }

  // 300 rows (two fixture photos) and a random resnet18: a few seconds of extraction per rank.
  std::string extract_arguments(const ScratchDir& scratch) {
    const CommandResult made =
        run_command("/usr/bin/python3 " + std::string(OML_SOURCE_DIR) +
                    "/tests/fixtures/make_resnet_reference.py make resnet18 " + scratch.file("r18.pth"));
    EXPECT_EQ(made.exit_code, 0) << made.output;
    std::ofstream csv(scratch.file("df.csv"));
    csv << "label,path,split,is_query,is_gallery\n";
    for (int r = 0; r < 300; ++r)
      csv << r % 7 << "," << (r % 2 ? "board.jpg" : "flower.jpg") << ",validation,True,True\n";
    return "extract --csv " + scratch.file("df.csv") + " --root " + kImages + " --arch resnet18 --weights " +
           scratch.file("r18.pth") + " --size 64 --batch-size 2 --threads 1 --out " + scratch.file("e.npy");
  }

  // Starts the job, waits until rank 1 is running and has had `delay` to get into its work, then
  // sends it `signal`.
  static pid_t start_and_signal_rank_one(const std::string& arguments, const ScratchDir& scratch, int signal,
                                         std::chrono::milliseconds delay,
                                         const std::string& environment = "") {
    const pid_t job =
        start_oml_torchrun(2, arguments, scratch.file("logs"), scratch.file("torchrun.log"), environment);
    const auto started = std::chrono::steady_clock::now();
    pid_t victim = -1;
    while (victim < 0 && std::chrono::steady_clock::now() - started < std::chrono::minutes(2)) {
      victim = find_worker(scratch.file("e.npy"), 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_GT(victim, 0) << "no rank 1 worker: " << read_bytes(scratch.file("torchrun.log"));
    std::this_thread::sleep_for(delay);
    if (victim > 0) {
      EXPECT_EQ(::kill(victim, signal), 0);
    }
    return job;
  }
};

TEST_F(TorchrunFaults, ARankKilledMidExtractEndsTheJobAndLeavesNoOutput) {
  const ScratchDir scratch("torchrun_fault_killed");
  const std::string arguments = extract_arguments(scratch);
  const pid_t job = start_and_signal_rank_one(arguments, scratch, SIGKILL, std::chrono::milliseconds(2500));
  const JobEnd end = wait_for_job(job, std::chrono::minutes(2));
  const std::string log = read_bytes(scratch.file("torchrun.log"));
  ASSERT_TRUE(end.ended) << log;
  EXPECT_LT(end.seconds, 60.0) << "the job outlived its killed rank";
  EXPECT_TRUE(WIFEXITED(end.status) && WEXITSTATUS(end.status) != 0) << log;
  EXPECT_THAT(log, HasSubstr("rank      : 1")) << "torchrun names the lost rank";
  EXPECT_FALSE(std::filesystem::exists(scratch.file("e.npy")));
}

// SIGSTOP: the peer lives but never answers. With OML_DIST_TIMEOUT=5 rank 0 gives up after 5 s
// and its roll call names rank 1; torchrun then stops the job (SIGTERM, then SIGKILL after 30 s).
TEST_F(TorchrunFaults, AHungRankIsNamedAfterTheTimeoutAndTheJobEnds) {
  const ScratchDir scratch("torchrun_fault_hung");
  const std::string arguments = extract_arguments(scratch);
  const auto started = std::chrono::steady_clock::now();
  const pid_t job = start_and_signal_rank_one(arguments, scratch, SIGSTOP, std::chrono::milliseconds(2500),
                                              "OML_DIST_TIMEOUT=5");
  const JobEnd end = wait_for_job(job, std::chrono::minutes(3));
  const std::string log = read_bytes(scratch.file("torchrun.log"));
  ASSERT_TRUE(end.ended) << log;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(seconds, 120.0) << "bounded by the timeout, the roll call and torchrun's 30 s of SIGTERM grace";
  EXPECT_TRUE(WIFEXITED(end.status) && WEXITSTATUS(end.status) != 0) << log;
  EXPECT_THAT(log, HasSubstr("rank 0: no progress from the other ranks within 5 s (OML_DIST_TIMEOUT): rank 1 "
                             "did not answer (hung, stopped or unreachable)"))
      << log;
  EXPECT_FALSE(std::filesystem::exists(scratch.file("e.npy")));
}

// The same workers without torchrun: the environment torchrun would give them, on ports chosen here.
class JobFormation : public ::testing::Test {
 protected:
  static CommandResult run_rank(int rank, int port, const ScratchDir& scratch) {
    std::ofstream(scratch.file("df.csv"))
        << "label,path,split,is_query,is_gallery\n0,a.jpg,validation,True,True\n"
           "0,b.jpg,validation,True,True\n";
    Matrix embeddings;
    embeddings.rows = 2;
    embeddings.cols = 2;
    embeddings.values = {0, 1, 1, 0};
    write_npy(scratch.file("e.npy"), embeddings);
    return run_command(
        "env RANK=" + std::to_string(rank) + " WORLD_SIZE=2 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
        std::to_string(port) + " TORCHELASTIC_USE_AGENT_STORE=False OML_DIST_TIMEOUT=2 " + OML_CLI_PATH +
        " evaluate --csv " + scratch.file("df.csv") + " --embeddings " + scratch.file("e.npy") + " --cmc 1");
  }
};

TEST_F(JobFormation, APortInUseIsNamed) {
  const ScratchDir scratch("job_port_in_use");
  int port = -1;
  const int holder = bind_any_port(INADDR_ANY, port);
  ASSERT_GE(holder, 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  const CommandResult result = run_rank(0, port, scratch);
  ::close(holder);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("error: rank 0: could not join the job at 127.0.0.1:" + std::to_string(port) +
                        ": port " + std::to_string(port) + " is already in use"));
  EXPECT_THAT(result.output, Not(HasSubstr("internal error")));
}

TEST_F(JobFormation, AStoreNobodyServesTimesOutWithItsAddress) {
  const ScratchDir scratch("job_no_store");
  const int port = free_port();
  const CommandResult result = run_rank(1, port, scratch);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("error: rank 1: could not join the job at 127.0.0.1:" + std::to_string(port) +
                        ": the job's store did not answer within 2 s (OML_DIST_TIMEOUT)"));
}

TEST_F(JobFormation, ARankThatNeverJoinsIsReportedByRankZero) {
  const ScratchDir scratch("job_missing_rank");
  const CommandResult result = run_rank(0, free_port(), scratch);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("not every one of the 2 ranks joined within 2 s (OML_DIST_TIMEOUT)"));
  EXPECT_THAT(result.output, Not(HasSubstr("Exception raised from"))) << "no C++ backtrace";
}

}  // namespace
}  // namespace oml::distributed::testing
