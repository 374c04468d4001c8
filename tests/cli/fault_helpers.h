#pragma once
// Runs the built `oml` as a child that can be killed, or limited to a file size (RLIMIT_FSIZE), to
// test what a crash or a full disk leaves behind (test_faults_cli.cpp).
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace oml::faults {

struct ChildOptions {
  // Bytes any one file may reach (RLIMIT_FSIZE); 0 = no limit. A write past it raises SIGXFSZ,
  // which kills the child in the middle of that write, as kill -9 would: no handler, no cleanup.
  rlim_t file_size_limit = 0;
  // With SIGXFSZ ignored, that write fails with EFBIG instead: a disk that is full for this file.
  bool fail_writes_instead = false;
};

// In a forked child: applies `options` and becomes `oml ARGS` (never returns).
[[noreturn]] inline void exec_oml(const std::vector<std::string>& args, const ChildOptions& options) {
  if (options.fail_writes_instead) ::signal(SIGXFSZ, SIG_IGN);  // kept across exec
  if (options.file_size_limit > 0) {
    const rlimit limit{options.file_size_limit, options.file_size_limit};
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  std::vector<char*> argv;
  std::string program = OML_CLI_PATH;
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (auto& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execv(program.c_str(), argv.data());
  ::_exit(127);
}

// Starts `oml ARGS` with stdout and stderr going to the file `log` (to be watched while it runs).
inline pid_t start_oml(const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  exec_oml(args, {});
}

inline int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// Runs to the end; the raw wait status. The output goes through a pipe, which the file size
// limit does not cover, and is written to `log` afterwards.
inline int run_oml_child(const std::vector<std::string>& args, const std::string& log,
                         const ChildOptions& options = {}) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    exec_oml(args, options);
  }
  ::close(fds[1]);
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) output.append(buffer, static_cast<size_t>(n));
  ::close(fds[0]);
  std::ofstream(log, std::ios::binary | std::ios::trunc) << output;
  return wait_for(pid);
}

// Starts `oml ARGS` (output to `log`) and sends SIGKILL once `ready()` holds, polled every
// millisecond, unless the run ends by itself first; the wait status. `log` is removed first, so
// `ready` sees this run's output only.
inline int kill_when(const std::vector<std::string>& args, const std::string& log,
                     const std::function<bool()>& ready) {
  std::filesystem::remove(log);
  const pid_t pid = start_oml(args, log);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (ready()) {
      ::kill(pid, SIGKILL);
      return wait_for(pid);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return status;
}

// Whether the run writing `log` has printed anything yet (false before the file exists).
inline bool has_output(const std::string& log) {
  std::error_code missing;
  const auto size = std::filesystem::file_size(log, missing);
  return !missing && size > 0;
}

inline const std::string kFixtureImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images";

// A CSV over kFixtureImages (paths repeat): train labels 0-3 with `train_rows` rows each and
// validation labels 4-5 with 4 rows each.
inline std::string fixture_image_csv(int train_rows) {
  const std::vector<std::string> images = {"board.jpg", "flower.jpg", "photo.bmp",
                                           "gray.jpg",  "rgba.png",   "palette.png"};
  std::string csv = "label,path,split,is_query,is_gallery\n";
  for (int label = 0; label < 6; ++label) {
    for (int i = 0; i < (label < 4 ? train_rows : 4); ++i) {
      csv += std::to_string(label) + "," + images[(label + i) % images.size()] +
             (label < 4 ? ",train,," : ",validation,True,True") + "\n";
    }
  }
  return csv;
}

// train-extractor arguments for a small deterministic run: a ResNet-18 from scratch at 32 px on
// `csv` (images under `root`), 2x4 batches, one thread, a constant learning rate, no validation.
inline std::vector<std::string> small_train_extractor_args(const std::string& csv, const std::string& root,
                                                           const std::string& out, const std::string& epochs,
                                                           bool resume = false) {
  std::vector<std::string> args = {"train-extractor",
                                   "--csv",
                                   csv,
                                   "--root",
                                   root,
                                   "--arch",
                                   "resnet18",
                                   "--size",
                                   "32",
                                   "--epochs",
                                   epochs,
                                   "--n-labels",
                                   "2",
                                   "--n-instances",
                                   "4",
                                   "--schedule",
                                   "none",
                                   "--val-every",
                                   "0",
                                   "--threads",
                                   "1",
                                   "--quiet",
                                   "--out",
                                   out};
  if (resume) args.push_back("--resume");
  return args;
}

// train-reranker arguments for a small deterministic run: a siamese over `arch` from random weights
// at 32 px on `csv` (images under `root`, first stage `embeddings`), 2x2 batches, one thread;
// `resume` = the checkpoint to continue ("" = none).
inline std::vector<std::string> small_train_reranker_args(const std::string& csv, const std::string& root,
                                                          const std::string& embeddings,
                                                          const std::string& arch, const std::string& epochs,
                                                          const std::string& out,
                                                          const std::string& resume = "") {
  std::vector<std::string> args = {"train-reranker",
                                   "--csv",
                                   csv,
                                   "--root",
                                   root,
                                   "--embeddings",
                                   embeddings,
                                   "--weights",
                                   "none",
                                   "--arch",
                                   arch,
                                   "--size",
                                   "32",
                                   "--n-labels",
                                   "2",
                                   "--n-instances",
                                   "2",
                                   "--epochs",
                                   epochs,
                                   "--threads",
                                   "1",
                                   "--out",
                                   out};
  if (!resume.empty()) args.insert(args.end(), {"--resume", resume});
  return args;
}

inline bool killed_by(int status, int signal) { return WIFSIGNALED(status) && WTERMSIG(status) == signal; }
inline int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Names in `dir` that start with `prefix`, sorted.
inline std::vector<std::string> names_starting(const std::filesystem::path& dir, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace oml::faults
