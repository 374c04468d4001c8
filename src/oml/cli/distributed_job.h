#pragma once
// How a subcommand joins a torchrun job (docs/distributed.md), shared by extract, search and
// evaluate.
#include <memory>

#include "oml/distributed/process_group.h"

namespace oml::cli {

// nullptr without torchrun's variables (the command runs exactly as a plain one-process run).
// Otherwise joins the job and sets who draws progress: rank 0 only, or with OML_RANK_OUTPUT=all
// every rank, each line prefixed "[rank r] ".
std::unique_ptr<distributed::ProcessGroup> join_job();

}  // namespace oml::cli
