// `oml search` with a --post chain or under torchrun (oml-full only: libtorch re-ranker, c10d).
#include <optional>
#include <vector>

#include "oml/cli/commands.h"
#include "oml/cli/distributed_job.h"
#include "oml/cli/distributed_postprocessing.h"
#include "oml/cli/light/search_command.h"
#include "oml/cli/retrieval_inputs.h"
#include "oml/distributed/sharded_retrieval.h"

namespace oml::cli {

void run_search_full(const SearchOptions& options) {
  configure_threads(options.index.threads);
  const std::vector<PostprocessorSpec> steps = parse_postprocessor_specs(options.post);
  if (const auto job = join_job()) {
    // Gallery sharded over the ranks, lists merged on rank 0, then the --post chain on rank 0 with
    // pairwise scoring spread over the ranks (docs/distributed.md).
    std::optional<DistributedChain> chain;
    if (!steps.empty()) chain.emplace(*job, steps);
    auto inputs =
        distributed::load_sharded_inputs(*job, options.csv, options.root, options.embeddings, false);
    const int64_t k = std::max(options.top_k, required_list_length(steps));
    TileOptions tiles;
    tiles.threads = options.index.threads;
    tiles.progress_label = "exact kNN";
    RetrievalResults results = distributed::sharded_retrieve(*job, inputs, k, tiles, options.index);
    if (chain) {
      chain->run(inputs, results, k, options.index.threads, options.image_limits,
                 chain_reads_embeddings(steps, false));
    }
    if (job->is_root()) write_results_csv(options.out, results, options.top_k);
    return;
  }
  const RetrievalInputs inputs =
      load_retrieval_inputs(options.csv, options.root, options.embeddings, false, false);
  const int64_t k = std::max(options.top_k, required_list_length(steps));
  IndexOptions index = options.index;
  index.show_progress = true;
  RetrievalResults results = retrieve(inputs.queries, inputs.galleries, inputs.problem, k, index);
  run_postprocessing(steps, results, inputs, k, index.threads, options.image_limits);
  write_results_csv(options.out, results, options.top_k);
}

}  // namespace oml::cli
