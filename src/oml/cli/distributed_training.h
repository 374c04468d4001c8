#pragma once
// train-extractor and train-reranker under torchrun (docs/distributed.md, "Training"): the joined
// job, its training replicas, and which ranks print.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "oml/distributed/process_group.h"
#include "oml/training/replicas.h"

namespace oml::cli {

struct TrainingJob {
  std::unique_ptr<distributed::ProcessGroup> group;  // null: a plain one-process run
  std::unique_ptr<training::Replicas> replicas;      // null with group
  bool is_root() const { return !group || group->is_root(); }
  bool prints = true;  // rank 0, or every rank with OML_RANK_OUTPUT=all
  std::string prefix;  // "[rank r] " when every rank prints
};

// Joins the torchrun job when torchrun's variables are set (join_job), otherwise returns an empty one.
TrainingJob join_training_job();

// A log line sink: printed to `stream` with the rank's prefix where this rank prints, dropped elsewhere.
std::function<void(const std::string&)> rank_log(const TrainingJob& job, std::FILE* stream);

}  // namespace oml::cli
