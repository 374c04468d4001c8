#include "oml/cli/distributed_job.h"

#include <cstdlib>
#include <string>

#include "oml/common/errors.h"
#include "oml/common/progress.h"

namespace oml::cli {

std::unique_ptr<distributed::ProcessGroup> join_job() {
  auto group = distributed::join_from_environment();
  if (!group) return nullptr;
  const char* mode = std::getenv("OML_RANK_OUTPUT");
  const std::string output = mode ? mode : "0";
  if (output != "0" && output != "all") {
    throw InputError(
        "OML_RANK_OUTPUT: expected 0 (rank 0 prints progress) or all (every rank, prefixed), got '" + output +
        "'");
  }
  if (output == "all") {
    set_progress_output(true, "[rank " + std::to_string(group->rank()) + "] ");
  } else {
    set_progress_output(group->is_root(), "");
  }
  return group;
}

}  // namespace oml::cli
