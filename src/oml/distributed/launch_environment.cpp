#include "oml/distributed/launch_environment.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

#include "oml/common/errors.h"

namespace oml::distributed {
namespace {

std::string require(const EnvironmentLookup& lookup, const std::string& name) {
  const std::optional<std::string> value = lookup(name);
  if (!value || value->empty()) {
    throw InputError("distributed launch: environment variable " + name +
                     " is not set (RANK/WORLD_SIZE are set, so oml expects torchrun's full environment: "
                     "RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT)");
  }
  return *value;
}

int64_t parse_integer(const std::string& name, const std::string& text, int64_t low, int64_t high) {
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || value < low || value > high) {
    throw InputError("distributed launch: environment variable " + name + "='" + text +
                     "' is not an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
  }
  return value;
}

}  // namespace

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::optional<LaunchEnvironment> read_launch_environment(const EnvironmentLookup& lookup) {
  if (!lookup("RANK") && !lookup("WORLD_SIZE")) return std::nullopt;
  constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
  LaunchEnvironment env;
  env.world_size = static_cast<int>(parse_integer("WORLD_SIZE", require(lookup, "WORLD_SIZE"), 1, kMaxInt));
  env.rank = static_cast<int>(parse_integer("RANK", require(lookup, "RANK"), 0, env.world_size - 1));
  env.local_rank = static_cast<int>(parse_integer("LOCAL_RANK", require(lookup, "LOCAL_RANK"), 0, kMaxInt));
  env.master_addr = require(lookup, "MASTER_ADDR");
  env.master_port =
      static_cast<uint16_t>(parse_integer("MASTER_PORT", require(lookup, "MASTER_PORT"), 1, 65535));
  const std::optional<std::string> agent_store = lookup("TORCHELASTIC_USE_AGENT_STORE");
  // torchrun writes Python's str(bool).
  env.use_agent_store =
      agent_store && (*agent_store == "True" || *agent_store == "true" || *agent_store == "1");
  if (env.use_agent_store) {
    const std::optional<std::string> restarts = lookup("TORCHELASTIC_RESTART_COUNT");
    env.restart_count =
        restarts ? static_cast<int>(parse_integer("TORCHELASTIC_RESTART_COUNT", *restarts, 0, kMaxInt)) : 0;
  }
  const std::optional<std::string> timeout = lookup("OML_DIST_TIMEOUT");
  if (timeout) {
    constexpr int64_t kOneWeek = 7 * 24 * 3600;
    env.timeout = std::chrono::seconds(parse_integer("OML_DIST_TIMEOUT", *timeout, 1, kOneWeek));
  }
  return env;
}

}  // namespace oml::distributed
