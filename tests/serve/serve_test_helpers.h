#pragma once
// Shared by the `oml serve` tests: a real dataset of fixture images with random-init ResNet-18
// checkpoints (made by make_serve_checkpoints.py) embedded by `oml extract`, and the built binary
// started as a server on a free port (--port 0; the port is read from its start-up line).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "cli/retrieval_cli_helpers.h"

namespace oml::serve_test {

namespace fs = std::filesystem;
using retrieval_cli::read_text;
using retrieval_cli::run_oml;

inline const std::string& images_dir() {
  static const std::string dir = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images";
  return dir;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Ten gallery rows (labels 0-2) and one query row (exif_rotated.jpg, a board.jpg crop): rows 0-9
// are the gallery, row 10 the query, so `oml search` answers the query over exactly the gallery.
struct ServeDataset {
  std::string dir;
  std::string csv;
  std::string embeddings;
  std::string extractor;
  std::string siamese;
  std::string query_image;
  int64_t query_row = 10;

  // The `oml serve` arguments for this dataset's gallery and extractor (no --post).
  std::string serve_arguments() const {
    return "--csv " + csv + " --root " + images_dir() + " --embeddings " + embeddings + " --weights " +
           extractor + " --arch resnet18 --size 64 --threads 1";
  }
  std::string pairwise_spec() const {
    return "pairwise:weights=" + siamese + ",top_n=4,size=32,arch=resnet18";
  }
};

// Built once per test binary (checkpoints + extract take a few seconds); nullopt with a reason in
// `why` when /usr/bin/python3 cannot make the checkpoints. Extracted one image per forward, as the
// server embeds a lone query, so the stored and the served embeddings are the same floats.
inline const ServeDataset* shared_dataset(std::string& why) {
  static std::optional<ServeDataset> dataset;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    ServeDataset d;
    d.dir = (fs::temp_directory_path() / ("oml_serve_dataset_" + std::to_string(::getpid()))).string();
    fs::remove_all(d.dir);
    fs::create_directories(d.dir);
    static struct Cleanup {
      std::string dir;
      ~Cleanup() {
        if (!dir.empty()) fs::remove_all(dir);
      }
    } cleanup;
    cleanup.dir = d.dir;
    d.csv = d.dir + "/df.csv";
    std::ofstream(d.csv) << "label,path,split,is_query,is_gallery\n"
                            "0,board.jpg,validation,False,True\n"
                            "1,flower.jpg,validation,False,True\n"
                            "0,photo.bmp,validation,False,True\n"
                            "0,rgba.png,validation,False,True\n"
                            "2,f3_422.jpg,validation,False,True\n"
                            "2,f3_420_progressive.jpg,validation,False,True\n"
                            "1,icon_rgba.png,validation,False,True\n"
                            "0,palette.png,validation,False,True\n"
                            "0,cmyk.jpg,validation,False,True\n"
                            "0,gray.jpg,validation,False,True\n"
                            "0,exif_rotated.jpg,validation,True,False\n";
    d.query_image = images_dir() + "/exif_rotated.jpg";
    d.extractor = d.dir + "/extractor.pth";
    d.siamese = d.dir + "/siamese.pth";
    d.embeddings = d.dir + "/E.npy";
    const std::string script = std::string(OML_SOURCE_DIR) + "/tests/serve/make_serve_checkpoints.py";
    if (!fs::exists("/usr/bin/python3")) {
      failure = "no /usr/bin/python3 to make the checkpoints";
    } else if (std::system(("/usr/bin/python3 " + script + " " + d.extractor + " " + d.siamese).c_str()) !=
               0) {
      failure = "make_serve_checkpoints.py failed (python3-torchvision missing?)";
    } else {
      const auto extracted =
          run_oml("extract --csv " + d.csv + " --root " + images_dir() + " --weights " + d.extractor +
                  " --arch resnet18 --size 64 --threads 1 --batch-size 1 --out " + d.embeddings);
      if (extracted.exit_code != 0) {
        failure = "oml extract failed: " + extracted.output;
      } else {
        dataset = d;
      }
    }
  }
  why = failure;
  return dataset ? &*dataset : nullptr;
}

// `oml serve ARGS --port 0` as a child process; stderr goes to a file that the start-up line is
// read from. The destructor kills a server still running.
class ServerProcess {
 public:
  ServerProcess(const std::string& arguments, const std::string& log_path) : log_path_(log_path) {
    fs::remove(log_path_);
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string command = "exec " + std::string(OML_CLI_PATH) + " serve " + arguments +
                                  " --port 0 > /dev/null 2> " + log_path_;
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  // SIGTERM, so a server without --data-dir removes its temporary directory.
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Waits for "listening on http://HOST:PORT" and returns the port, or -1 if the process exited
  // first (its log says why).
  int wait_until_listening() {
    const std::regex line("listening on http://([0-9.]+):([0-9]+)");
    // A guard against a hung start, not a timing check: loading takes seconds.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (std::chrono::steady_clock::now() < give_up) {
      std::smatch match;
      const std::string text = log();
      if (std::regex_search(text, match, line)) {
        host_ = match[1];
        return port_ = std::stoi(match[2]);
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_status_ = status;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

  void send(int signal) const { ::kill(pid_, signal); }
  // The exit status as waitpid reports it (blocks until the process ends).
  int wait() {
    if (!exited_) {
      ::waitpid(pid_, &exit_status_, 0);
      exited_ = true;
    }
    return exit_status_;
  }
  std::string log() const { return read_text(log_path_); }
  int port() const { return port_; }
  const std::string& host() const { return host_; }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_status_ = -1;
  int port_ = -1;
  std::string host_;
};

// Fixture of the tests that need the shared dataset: skipped, with the reason, where it cannot be
// made.
class ServeDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    dataset_ = shared_dataset(why);
    if (!dataset_) GTEST_SKIP() << why;
  }
  const ServeDataset* dataset_ = nullptr;
};

}  // namespace oml::serve_test
