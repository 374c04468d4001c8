#include "oml/cli/front/full_binary.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "oml/cli/light/evaluate_command.h"
#include "oml/cli/light/search_command.h"
#include "oml/cli/light/validate_command.h"

namespace oml::cli {
namespace {

char** command_line = nullptr;

// Next to the running front, not on PATH: a front and a full binary of different builds never mix.
std::string full_binary_path() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    std::fprintf(stderr, "internal error: cannot locate the oml binary (/proc/self/exe): %s\n",
                 ec.message().c_str());
    std::exit(1);
  }
  return (self.parent_path() / "oml-full").string();
}

}  // namespace

void remember_command_line(char** argv) { command_line = argv; }

void exec_full_binary() {
  const std::string path = full_binary_path();
  std::fflush(nullptr);
  execv(path.c_str(), command_line);
  // execv returns only on failure.
  std::fprintf(stderr,
               "internal error: cannot run %s: %s (oml runs this command with oml-full, built and installed "
               "next to it)\n",
               path.c_str(), std::strerror(errno));
  std::exit(1);
}

// The torch and OpenCV halves of evaluate, search and validate (light/*_command.h) live in
// oml-full; here each is the hand-over, called before the command has read or printed anything.
void run_evaluate_full(const EvaluateOptions&, const MetricsConfig&) { exec_full_binary(); }
void run_search_full(const SearchOptions&) { exec_full_binary(); }
void run_validate_checking_images(const ValidateOptions&) { exec_full_binary(); }

}  // namespace oml::cli
