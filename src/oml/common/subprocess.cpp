#include "oml/common/subprocess.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "oml/common/errors.h"

extern char** environ;

namespace oml {

int run_program(const std::vector<std::string>& argv, const std::string& install_hint) {
  if (argv.empty()) throw std::invalid_argument("run_program: empty argument vector");
  std::vector<char*> arguments;
  for (const std::string& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  pid_t child = 0;
  const int spawn_error = posix_spawnp(&child, argv[0].c_str(), nullptr, nullptr, arguments.data(), environ);
  if (spawn_error != 0) {
    throw InputError("cannot run '" + argv[0] + "': " + std::strerror(spawn_error) + " (" + install_hint +
                     ")");
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error("waitpid for '" + argv[0] + "' failed: " + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

}  // namespace oml
