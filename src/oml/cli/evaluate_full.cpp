// `oml evaluate` with a --post chain or under torchrun (oml-full only: libtorch re-ranker, c10d).
#include <numeric>
#include <optional>
#include <vector>

#include "oml/cli/commands.h"
#include "oml/cli/distributed_job.h"
#include "oml/cli/distributed_postprocessing.h"
#include "oml/cli/light/evaluate_command.h"
#include "oml/cli/retrieval_inputs.h"
#include "oml/distributed/sharded_retrieval.h"

namespace oml::cli {
namespace {

// Under torchrun: gallery sharded over the ranks; rank metrics from the lists merged on rank 0.
// Without --post: fnmr@fmr from all-reduced counts. With --post: the chain on rank 0 (pairwise
// scoring spread over the ranks), fnmr@fmr from its final distances as in one process. pcf on
// rank 0 from the validation rows it reads then.
void run_distributed_evaluate(distributed::ProcessGroup& job, const EvaluateOptions& options,
                              const MetricsConfig& config, const std::vector<PostprocessorSpec>& steps) {
  std::optional<DistributedChain> chain;
  if (!steps.empty()) chain.emplace(job, steps);
  auto inputs = distributed::load_sharded_inputs(job, options.csv, options.root, options.embeddings,
                                                 config.per_category);
  const int64_t k = std::max<int64_t>({max_metric_k(config), required_list_length(steps), 1});
  TileOptions tiles;
  tiles.threads = options.index.threads;
  tiles.progress_label = "exact kNN";
  RetrievalResults results = distributed::sharded_retrieve(job, inputs, k, tiles, options.index);
  tiles.progress_label = nullptr;
  std::vector<std::vector<std::optional<double>>> fnmr;
  std::optional<FinalDistances> final_distances;
  if (chain) {
    final_distances = chain->run(inputs, results, k, options.index.threads, options.image_limits,
                                 chain_reads_embeddings(steps, !config.fmrs.empty()));
  } else if (!config.fmrs.empty()) {
    fnmr = distributed::sharded_fnmr_at_fmr(job, inputs, config.fmrs, config.per_category, tiles);
  }
  if (!job.is_root()) return;
  // pcf's population, read now and compacted: its rows become 0..n-1.
  RetrievalProblem problem = inputs.problem;
  Matrix validation;
  if (!config.pcf_ratios.empty()) validation = inputs.embeddings->read_rows(problem.validation_rows);
  std::iota(problem.validation_rows.begin(), problem.validation_rows.end(), int64_t{0});
  const Matrix none;
  MetricsInputs metrics_inputs{validation, none, none, problem, results};
  if (final_distances) {
    tiles.progress_label = "fnmr@fmr";
    metrics_inputs.final_distances = [&](const TileVisitor& visit, const TileOptions& tile_options) {
      final_distances->for_each_tile(visit, tile_options);
    };
  } else {
    metrics_inputs.precomputed_fnmr_at_fmr = &fnmr;
  }
  report_metrics(compute_metrics(metrics_inputs, config, tiles), options.json);
}

}  // namespace

void run_evaluate_full(const EvaluateOptions& options, const MetricsConfig& config) {
  configure_threads(options.index.threads);
  const std::vector<PostprocessorSpec> steps = parse_postprocessor_specs(options.post);
  if (const auto job = join_job()) return run_distributed_evaluate(*job, options, config, steps);
  const RetrievalInputs inputs =
      load_retrieval_inputs(options.csv, options.root, options.embeddings, config.per_category, true);
  // K = the largest list any metric or postprocessor reads (spec §10.1).
  const int64_t k = std::max<int64_t>({max_metric_k(config), required_list_length(steps), 1});
  IndexOptions index = options.index;
  index.show_progress = true;
  RetrievalResults results = retrieve(inputs.queries, inputs.galleries, inputs.problem, k, index);
  const FinalDistances final_distances =
      run_postprocessing(steps, results, inputs, k, index.threads, options.image_limits);
  TileOptions tiles;
  tiles.threads = index.threads;
  tiles.progress_label = "fnmr@fmr";
  MetricsInputs metrics_inputs{inputs.embeddings, inputs.queries, inputs.galleries, inputs.problem, results};
  if (!steps.empty()) {
    metrics_inputs.final_distances = [&](const TileVisitor& visit, const TileOptions& tile_options) {
      final_distances.for_each_tile(visit, tile_options);
    };
  }
  report_metrics(compute_metrics(metrics_inputs, config, tiles), options.json);
}

}  // namespace oml::cli
