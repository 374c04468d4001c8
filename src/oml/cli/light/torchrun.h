#pragma once

namespace oml::cli {

// Whether torchrun started this process: RANK or WORLD_SIZE is set, the rule by which
// distributed::read_launch_environment tells a job from a plain run (it then checks every value).
bool launched_by_torchrun();

}  // namespace oml::cli
