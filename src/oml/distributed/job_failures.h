#pragma once
// What a rank says when the job fails around it (docs/distributed.md, "Faults"): joining failed
// (the store's port in use, the store unreachable, ranks missing), a collective timed out (a roll
// call in the store names the ranks that did not answer: hung, stopped or unreachable), or the
// connection to a peer was lost (it exited or was killed). Every message starts "rank r: ".
#include <chrono>
#include <string>
#include <vector>

#include "oml/distributed/launch_environment.h"

namespace c10d {
class Store;
}

namespace oml::distributed {

std::string explain_join_failure(const LaunchEnvironment& env, const std::string& what);

// May block for a grace period (at most 10 s, or the timeout when shorter) while the roll call
// runs: every surviving rank reaches it at about the same time, since they all wait for the same
// silent peer.
std::string explain_collective_failure(const LaunchEnvironment& env, c10d::Store& store,
                                       const std::string& what);

// Writes this rank's "alive" key, then waits up to `grace` for the others'. Returns the ranks
// whose key did not appear; throws what the store throws when it cannot be reached.
std::vector<int> roll_call(c10d::Store& store, int rank, int world_size, std::chrono::milliseconds grace);

}  // namespace oml::distributed
