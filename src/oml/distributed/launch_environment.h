#pragma once
// What torchrun tells each worker process through its environment (torch.distributed.run):
// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, and whether the workers share the
// agent's store (TORCHELASTIC_USE_AGENT_STORE, with TORCHELASTIC_RESTART_COUNT).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace oml::distributed {

struct LaunchEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr;
  uint16_t master_port = 0;
  // True under torchrun's static rendezvous (--master_addr/--master_port without --standalone or
  // --rdzv_backend): the agent already serves a TCPStore on MASTER_PORT and every worker is a
  // client under the prefix /worker/attempt_<restart_count>. False under the c10d rendezvous
  // (--standalone, --rdzv_backend=c10d): MASTER_PORT is free and rank 0 serves the store.
  bool use_agent_store = false;
  int restart_count = 0;
  // How long a collective, a store operation or joining the job may wait for the other ranks
  // before this rank gives up: OML_DIST_TIMEOUT seconds, default 1800 (PyTorch's default for
  // Gloo). It must exceed the longest phase one rank runs alone (rank 0 validating or writing a
  // checkpoint while the others wait at their next collective).
  std::chrono::seconds timeout{1800};
};

// Reads a variable; nullopt when unset. Injected so tests need not touch the real environment.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv).
EnvironmentLookup process_environment();

// nullopt when neither RANK nor WORLD_SIZE is set: a plain, non-distributed run. Otherwise every
// variable must be present and well-formed (0 <= RANK < WORLD_SIZE, 1 <= MASTER_PORT <= 65535,
// 1 <= OML_DIST_TIMEOUT <= 604800 when set); InputError names the variable and its value.
std::optional<LaunchEnvironment> read_launch_environment(const EnvironmentLookup& lookup);

}  // namespace oml::distributed
