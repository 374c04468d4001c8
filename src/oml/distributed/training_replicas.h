#pragma once
// training::Replicas on a torchrun job's ProcessGroup: how train-extractor and train-reranker run
// data-parallel (docs/distributed.md, "Training").
#include <memory>

#include "oml/distributed/process_group.h"
#include "oml/training/replicas.h"

namespace oml::distributed {

// The job's ranks as training replicas. `group` must outlive the returned object.
std::unique_ptr<training::Replicas> make_training_replicas(ProcessGroup& group);

}  // namespace oml::distributed
