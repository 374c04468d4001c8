#pragma once
// Shared by the evaluate/search CLI tests: a scratch directory with a CSV and embeddings, and a
// runner that captures exit code and output of the built `oml` binary.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "oml/io/npy.h"

namespace oml::retrieval_cli {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_oml(const std::string& arguments) {
  const std::string command = std::string(OML_CLI_PATH) + " " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("oml_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

inline Matrix rows_matrix(const std::vector<std::vector<float>>& rows) {
  Matrix m;
  m.rows = static_cast<int64_t>(rows.size());
  m.cols = static_cast<int64_t>(rows[0].size());
  for (const auto& r : rows) m.values.insert(m.values.end(), r.begin(), r.end());
  return m;
}

// Labels [0,0,0,0,1,1] 1 vs rest (spec §11.6's exact case shape) plus one train row, 1-D
// embeddings chosen so that query 0's neighbours are rows 1,2,4,3,5.
inline std::string write_small_dataset(const ScratchDir& dir) {
  const std::string csv = dir.write("df.csv",
                                    "label,path,split,is_query,is_gallery,category\n"
                                    "9,t.jpg,train,,,x\n"
                                    "0,a.jpg,validation,True,True,shoes\n"
                                    "0,b.jpg,validation,True,True,shoes\n"
                                    "0,c.jpg,validation,True,True,shoes\n"
                                    "0,d.jpg,validation,True,True,bags\n"
                                    "1,e.jpg,validation,True,True,bags\n"
                                    "1,f.jpg,validation,True,True,bags\n");
  write_npy(dir.file("e.npy"), rows_matrix({{100}, {0}, {1}, {3}, {10}, {4}, {12}}));
  return csv;
}

}  // namespace oml::retrieval_cli
