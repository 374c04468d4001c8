#pragma once
// Launching the built `oml` under the installed torchrun (through scripts/oml-torchrun) and plainly,
// in a scratch directory, for the distributed CLI tests.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>

#include "oml/io/npy.h"
#include "support/command.h"
#include "support/scratch_dir.h"

namespace oml::distributed::testing {

using oml::test_support::CommandResult;
using oml::test_support::run_command;
using oml::test_support::run_oml;
using oml::test_support::ScratchDir;

inline bool torchrun_installed() { return std::filesystem::exists("/usr/bin/torchrun"); }

// A TCP socket bound to a port of the kernel's choice on `address` (host order, e.g.
// INADDR_LOOPBACK); -1 when that fails. The port goes to `port`.
inline int bind_any_port(uint32_t address, int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in socket_address{};
  socket_address.sin_family = AF_INET;
  socket_address.sin_addr.s_addr = htonl(address);
  socket_address.sin_port = 0;
  socklen_t length = sizeof socket_address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&socket_address), sizeof socket_address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&socket_address), &length) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(socket_address.sin_port);
  return fd;
}

// A port nobody listens on right now (the kernel's choice for port 0).
inline int free_port() {
  int port = -1;
  const int fd = bind_any_port(INADDR_LOOPBACK, port);
  if (fd >= 0) ::close(fd);
  return port;
}

// What `--standalone` does (one node, c10d rendezvous served by this torchrun), on a free port
// instead of --standalone's fixed 29400: ctest runs tests side by side, and two standalone jobs at
// once collide on that port ("Address already in use").
inline std::string local_rendezvous() {
  const int port = free_port();
  return "--nnodes=1 --rdzv_backend=c10d --rdzv_endpoint=127.0.0.1:" + std::to_string(port) +
         " --rdzv_id=oml-test-" + std::to_string(::getpid()) + "-" + std::to_string(port);
}

// The shell command of `oml ARGUMENTS` as a torchrun job of `processes` workers on this host.
// `rendezvous` is local_rendezvous() (c10d rendezvous, rank 0 serves the store), static flags
// such as "--master_addr=127.0.0.1 --master_port=P" (the agent serves it), or a multi-node line.
inline std::string torchrun_command(int processes, const std::string& arguments, const std::string& log_dir,
                                    const std::string& rendezvous, const std::string& environment = "") {
  return environment + " " + std::string(OML_SOURCE_DIR) + "/scripts/oml-torchrun " + rendezvous +
         " --nproc_per_node=" + std::to_string(processes) + " --log_dir=" + log_dir + " " +
         std::string(OML_CLI_PATH) + " " + arguments;
}

// Runs torchrun_command and waits for it.
inline CommandResult run_oml_torchrun(int processes, const std::string& arguments, const std::string& log_dir,
                                      const std::string& rendezvous = local_rendezvous(),
                                      const std::string& environment = "") {
  return run_command(torchrun_command(processes, arguments, log_dir, rendezvous, environment));
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// `oml ARGUMENTS` as a torchrun job of `processes` workers in the background, its console output
// going to `log`; returns the pid of the shell that runs it (wait for it with wait_for_job).
inline pid_t start_oml_torchrun(int processes, const std::string& arguments, const std::string& log_dir,
                                const std::string& log, const std::string& environment = "") {
  const std::string command =
      torchrun_command(processes, arguments, log_dir, local_rendezvous(), environment) + " > " + log +
      " 2>&1";
  const pid_t job = ::fork();
  if (job == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return job;
}

struct JobEnd {
  bool ended = false;
  int status = 0;
  double seconds = 0;  // from the call to wait_for_job
};

// Waits up to `limit` for the job started by start_oml_torchrun; kills it when it is still running.
inline JobEnd wait_for_job(pid_t job, std::chrono::seconds limit) {
  const auto started = std::chrono::steady_clock::now();
  JobEnd end;
  while (std::chrono::steady_clock::now() - started < limit) {
    if (::waitpid(job, &end.status, WNOHANG) == job) {
      end.ended = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  end.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!end.ended) {
    ::kill(job, SIGKILL);
    ::waitpid(job, &end.status, 0);
  }
  return end;
}

// The pid of the `oml` worker of a job with RANK=`rank` whose command line names `marker`, or -1.
inline pid_t find_worker(const std::string& marker, int rank) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string cmdline = read_bytes(entry.path().string() + "/cmdline");
    const std::string program = cmdline.substr(0, cmdline.find('\0'));
    const bool is_oml = program.size() >= 4 && program.compare(program.size() - 4, 4, "/oml") == 0;
    if (!is_oml || cmdline.find(marker) == std::string::npos) continue;
    // One NUL-separated NAME=value per variable: RANK exactly, not LOCAL_RANK or GROUP_RANK.
    const std::string environment = '\0' + read_bytes(entry.path().string() + "/environ");
    const std::string wanted = std::string(1, '\0') + "RANK=" + std::to_string(rank) + '\0';
    if (environment.find(wanted) != std::string::npos) return static_cast<pid_t>(std::stoi(name));
  }
  return -1;
}

// 4600 rows: 100 train, the rest validation with queries, galleries and rows that are both,
// labels of ~45 rows each, sequences, three categories. ~4000 galleries: more than one gallery
// tile of 2048, so 2 and 3 ranks really split the gallery (3 ranks: one gets none). Continuous
// embeddings, plus exact duplicates of rows 2500 further on (equal distances across the shard
// boundary: the tie rule decides).
inline std::string write_retrieval_dataset(const ScratchDir& scratch) {
  std::mt19937 random(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  constexpr int kRows = 4600;
  constexpr int kDim = 16;
  Matrix embeddings;
  embeddings.rows = kRows;
  embeddings.cols = kDim;
  for (int i = 0; i < kRows * kDim; ++i) embeddings.values.push_back(normal(random));
  for (int duplicate = 2600; duplicate < 2700; duplicate += 7) {
    std::copy(embeddings.row(duplicate - 2500), embeddings.row(duplicate - 2500) + kDim,
              embeddings.row(duplicate));
  }
  write_npy(scratch.file("e.npy"), embeddings);
  std::ofstream csv(scratch.file("df.csv"));
  csv << "label,path,split,is_query,is_gallery,category,sequence\n";
  const char* categories[] = {"cats", "dogs", "birds"};
  for (int r = 0; r < kRows; ++r) {
    const int label = r % 101;
    const bool train = r < 100;
    const bool query = r % 5 == 0;
    const bool gallery = !query || r % 3 != 0;
    const std::string sequence = r % 11 == 0 ? "s" + std::to_string(r % 13) : "";
    csv << label << ",img" << r << ".jpg," << (train ? "train" : "validation") << ","
        << (train ? "" : (query ? "True" : "False")) << "," << (train ? "" : (gallery ? "True" : "False"))
        << "," << categories[label % 3] << "," << sequence << "\n";
  }
  return scratch.file("df.csv");
}

}  // namespace oml::distributed::testing
