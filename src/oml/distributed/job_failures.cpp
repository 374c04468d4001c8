#include "oml/distributed/job_failures.h"

#include <algorithm>
#include <thread>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace oml::distributed {
namespace {

constexpr std::chrono::milliseconds kLongestGrace{10000};
constexpr char kAliveKey[] = "alive/";

bool mentions(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

// c10::Error appends the C++ backtrace after the message: of no use to a user.
std::string without_backtrace(const std::string& what) {
  const size_t backtrace = what.find("\nException raised from");
  return what.substr(0, backtrace);
}

std::string rank_prefix(const LaunchEnvironment& env) { return "rank " + std::to_string(env.rank) + ": "; }

std::string address(const LaunchEnvironment& env) {
  return env.master_addr + ":" + std::to_string(env.master_port);
}

std::string timeout_text(const LaunchEnvironment& env) {
  return std::to_string(env.timeout.count()) + " s (OML_DIST_TIMEOUT)";
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string text = ranks.size() == 1 ? "rank " : "ranks ";
  for (size_t i = 0; i < ranks.size(); ++i) text += (i ? ", " : "") + std::to_string(ranks[i]);
  return text;
}

// Gloo and the TCPStore report the same few conditions in their own words.
bool is_timeout(const std::string& what) {
  return mentions(what, "Timed out") || mentions(what, "timed out") || mentions(what, "Timeout");
}

bool is_lost_connection(const std::string& what) {
  return mentions(what, "Connection closed by peer") || mentions(what, "Connection reset by peer") ||
         mentions(what, "Broken pipe") || mentions(what, "Connection refused");
}

std::string explain_timeout(const LaunchEnvironment& env, c10d::Store& store, const std::string& what) {
  const std::string waited =
      rank_prefix(env) + "no progress from the other ranks within " + timeout_text(env);
  const auto grace = std::min<std::chrono::milliseconds>(kLongestGrace, env.timeout);
  try {
    const std::vector<int> silent = roll_call(store, env.rank, env.world_size, grace);
    if (silent.empty()) {
      return waited +
             "; every rank answered a roll call afterwards, so one of them was busy alone for longer "
             "than that (raise OML_DIST_TIMEOUT above the longest step a rank runs alone, such as "
             "rank 0's validation): " +
             what;
    }
    return waited + ": " + rank_list(silent) + " did not answer (hung, stopped or unreachable): " + what;
  } catch (const std::exception& store_error) {
    const std::string server = env.use_agent_store ? "the torchrun agent's store" : "rank 0's store";
    return waited + "; " + server + " at " + address(env) + " does not answer either" +
           (env.use_agent_store ? "" : ", so rank 0 is hung, stopped or unreachable") + ": " + what + "; " +
           without_backtrace(store_error.what());
  }
}

}  // namespace

std::vector<int> roll_call(c10d::Store& store, int rank, int world_size, std::chrono::milliseconds grace) {
  store.setTimeout(grace);
  store.set(kAliveKey + std::to_string(rank), std::vector<uint8_t>{1});
  // Rank 0 may serve the store: it stays a little longer so that the others can finish theirs.
  const auto window = rank == 0 ? grace + grace / 2 : grace;
  const auto deadline = std::chrono::steady_clock::now() + window;
  std::vector<int> silent;
  while (true) {
    silent.clear();
    for (int r = 0; r < world_size; ++r) {
      if (!store.check({kAliveKey + std::to_string(r)})) silent.push_back(r);
    }
    if (silent.empty() || std::chrono::steady_clock::now() >= deadline) return silent;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string explain_join_failure(const LaunchEnvironment& env, const std::string& full_what) {
  const std::string what = without_backtrace(full_what);
  const std::string prefix = rank_prefix(env) + "could not join the job at " + address(env);
  if (mentions(what, "Address already in use")) {
    return prefix + ": port " + std::to_string(env.master_port) +
           " is already in use on this host (another job or program holds it; torchrun chose it as free, so "
           "start the job again): " +
           what;
  }
  if (mentions(what, "clients joined") || (is_timeout(what) && env.rank == 0 && !env.use_agent_store)) {
    return prefix + ": not every one of the " + std::to_string(env.world_size) + " ranks joined within " +
           timeout_text(env) + " (a rank failed to start, or cannot reach this host): " + what;
  }
  if (is_timeout(what) || is_lost_connection(what)) {
    return prefix + ": the job's store did not answer within " + timeout_text(env) +
           " (is rank 0 or the torchrun agent running there, and is the port reachable from this host?): " +
           what;
  }
  return prefix + ": " + what;
}

std::string explain_collective_failure(const LaunchEnvironment& env, c10d::Store& store,
                                       const std::string& what) {
  if (is_timeout(what)) return explain_timeout(env, store, what);
  if (is_lost_connection(what)) {
    const std::string lost =
        "lost the connection to another rank (it exited or was killed; torchrun's "
        "summary names it and its exit code): ";
    return rank_prefix(env) + lost + what;
  }
  return rank_prefix(env) + what;
}

}  // namespace oml::distributed
