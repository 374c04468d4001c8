#pragma once
#include <string>

namespace oml::cli {

// Whether torchrun started this process: RANK or WORLD_SIZE is set, the rule by which
// distributed::read_launch_environment tells a job from a plain run (it then checks every value).
bool launched_by_torchrun();

// require_writable_location for an output that only rank 0 writes (all of them): the other ranks
// of a multi-node job need not have its directory.
void require_output_location(const std::string& option, const std::string& path);

}  // namespace oml::cli
