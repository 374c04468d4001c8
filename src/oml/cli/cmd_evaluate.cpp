#include <cstdio>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "oml/cli/commands.h"
#include "oml/cli/distributed_job.h"
#include "oml/cli/distributed_postprocessing.h"
#include "oml/cli/retrieval_inputs.h"
#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/distributed/sharded_retrieval.h"
#include "oml/metrics/metrics_report.h"

namespace oml::cli {
namespace {

struct EvaluateOptions {
  std::string csv;
  std::string root;
  std::string embeddings;
  std::string json;
  std::vector<std::string> post;
  MetricsConfig metrics;
  IndexOptions index;
  ImageLimits image_limits = {};  // read by the pairwise re-ranker
};

void report_metrics(const MetricsReport& report, const std::string& json) {
  for (const std::string& warning : report.warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  std::fputs(format_metrics_table(report.metrics).c_str(), stdout);
  if (!json.empty()) {
    write_file_atomically(json, [&](std::ostream& out) { out << report.metrics.dump(2) << "\n"; });
  }
}

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

void run_evaluate(const EvaluateOptions& options) {
  const MetricsConfig config = normalized(options.metrics);
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

}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto options = std::make_shared<EvaluateOptions>();
  auto* command = app.add_subcommand(
      "evaluate", "Retrieval metrics (CMC, precision, mAP, FNMR@FMR, PCF) from embeddings");
  command->add_option("--csv", options->csv, "OML-format CSV")->required();
  command->add_option("--root", options->root, "Dataset root (default: the CSV's directory)");
  command->add_option("--embeddings", options->embeddings, "Embeddings .npy, one row per CSV row")
      ->required();
  command->add_option("--cmc", options->metrics.cmc_ks, "k values for cmc@k, e.g. 1,5,10")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--precision", options->metrics.precision_ks, "k values for precision@k")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--map", options->metrics.map_ks, "k values for map@k")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--fmr", options->metrics.fmrs, "FMR values in [0,1] for fnmr@fmr, e.g. 0.1,0.01")
      ->delimiter(',');
  command->add_option("--pcf", options->metrics.pcf_ratios, "Explained-variance ratios for pcf")
      ->delimiter(',')
      ->capture_default_str();
  command->add_flag("--categories", options->metrics.per_category, "Also report each query category");
  command->add_option("--post", options->post, "Postprocessor, applied in the order given (repeatable)");
  command->add_option("--json", options->json, "Write OML's metric dictionary as JSON");
  add_index_options(*command, options->index);
  add_max_image_pixels_option(command, options->image_limits);
  command->callback([options] { run_evaluate(*options); });
}

}  // namespace oml::cli
