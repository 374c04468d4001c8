#include <fmt/format.h>

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

namespace oml::cli {
namespace {

struct SearchOptions {
  std::string csv;
  std::string root;
  std::string embeddings;
  std::string out;
  int64_t top_k = 10;
  std::vector<std::string> post;
  IndexOptions index;
  ImageLimits image_limits = {};  // read by the pairwise re-ranker
};

void write_results_csv(const std::string& path, const RetrievalResults& results, int64_t top_k) {
  write_file_atomically(path, [&](std::ostream& out) {
    out << "query_row,rank,gallery_row,distance\n";
    fmt::memory_buffer line;
    for (size_t q = 0; q < results.lists.size(); ++q) {
      const auto& list = results.lists[q];
      const size_t n = std::min(list.size(), static_cast<size_t>(top_k));
      for (size_t i = 0; i < n; ++i) {
        line.clear();
        // {} prints the shortest text that reads back to the same float32.
        fmt::format_to(std::back_inserter(line), "{},{},{},{}\n", results.query_rows[q], i + 1,
                       results.gallery_rows[static_cast<size_t>(list[i].gallery)], list[i].distance);
        out.write(line.data(), static_cast<std::streamsize>(line.size()));
      }
    }
  });
}

void run_search(const SearchOptions& options) {
  if (options.top_k <= 0)
    throw InputError(fmt::format("--top-k: must be a positive integer (got {})", options.top_k));
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

}  // namespace

void add_search_command(CLI::App& app) {
  auto options = std::make_shared<SearchOptions>();
  auto* command = app.add_subcommand("search", "Top-k retrieval for every query, written as CSV");
  command->add_option("--csv", options->csv, "OML-format CSV")->required();
  command->add_option("--root", options->root, "Dataset root (default: the CSV's directory)");
  command->add_option("--embeddings", options->embeddings, "Embeddings .npy, one row per CSV row")
      ->required();
  command->add_option("--top-k", options->top_k, "Neighbours per query")->capture_default_str();
  command->add_option("--post", options->post, "Postprocessor, applied in the order given (repeatable)");
  command->add_option("--out", options->out, "Output CSV: query_row,rank,gallery_row,distance")->required();
  add_index_options(*command, options->index);
  add_max_image_pixels_option(command, options->image_limits);
  command->callback([options] { run_search(*options); });
}

}  // namespace oml::cli
