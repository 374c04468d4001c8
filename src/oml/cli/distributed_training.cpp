#include "oml/cli/distributed_training.h"

#include <cstdio>
#include <cstdlib>

#include "oml/cli/distributed_job.h"
#include "oml/distributed/training_replicas.h"

namespace oml::cli {

TrainingJob join_training_job() {
  TrainingJob job;
  job.group = join_job();
  if (!job.group) return job;
  job.replicas = distributed::make_training_replicas(*job.group);
  const char* mode = std::getenv("OML_RANK_OUTPUT");  // join_job has checked its value
  const bool every_rank = mode && std::string(mode) == "all";
  job.prints = every_rank || job.group->is_root();
  if (every_rank) job.prefix = "[rank " + std::to_string(job.group->rank()) + "] ";
  return job;
}

std::function<void(const std::string&)> rank_log(const TrainingJob& job, std::FILE* stream) {
  if (!job.prints) return [](const std::string&) {};
  return [prefix = job.prefix, stream](const std::string& line) {
    std::fprintf(stream, "%s%s\n", prefix.c_str(), line.c_str());
  };
}

}  // namespace oml::cli
