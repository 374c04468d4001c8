#pragma once
// Launching the built `oml` under the installed torchrun (through scripts/oml-torchrun) and plainly,
// in a scratch directory, for the distributed CLI tests.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/command.h"
#include "support/scratch_dir.h"

namespace oml::distributed::testing {

using oml::test_support::CommandResult;
using oml::test_support::run_command;
using oml::test_support::run_oml;
using oml::test_support::ScratchDir;

inline bool torchrun_installed() { return std::filesystem::exists("/usr/bin/torchrun"); }

// A port nobody listens on right now (the kernel's choice for port 0).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// `oml ARGUMENTS` as a torchrun job of `processes` workers on this host. `rendezvous` is
// "--standalone" (c10d rendezvous, rank 0 serves the store) or static flags such as
// "--master_addr=127.0.0.1 --master_port=P" (the agent serves it).
inline CommandResult run_oml_torchrun(int processes, const std::string& arguments, const std::string& log_dir,
                                      const std::string& rendezvous = "--standalone",
                                      const std::string& environment = "") {
  return run_command(environment + " " + std::string(OML_SOURCE_DIR) + "/scripts/oml-torchrun " + rendezvous +
                     " --nproc_per_node=" + std::to_string(processes) + " --log_dir=" + log_dir + " " +
                     std::string(OML_CLI_PATH) + " " + arguments);
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace oml::distributed::testing
