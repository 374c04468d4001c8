// `oml search`: options, CLI definition and the plain one-process run (no libtorch); a --post
// chain or a torchrun job goes to run_search_full (search_command.h).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "oml/cli/commands.h"
#include "oml/cli/light/retrieval_inputs.h"
#include "oml/cli/light/search_command.h"
#include "oml/cli/light/threads.h"
#include "oml/cli/light/torchrun.h"
#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"

namespace oml::cli {
namespace {

void run_search(const SearchOptions& options) {
  if (options.top_k <= 0)
    throw InputError(fmt::format("--top-k: must be a positive integer (got {})", options.top_k));
  require_output_location("--out", options.out);
  if (!options.post.empty() || launched_by_torchrun()) return run_search_full(options);
  configure_openmp_threads(options.index.threads);
  const RetrievalInputs inputs =
      load_retrieval_inputs(options.csv, options.root, options.embeddings, false, false);
  IndexOptions index = options.index;
  index.show_progress = true;
  const RetrievalResults results =
      retrieve(inputs.queries, inputs.galleries, inputs.problem, options.top_k, index);
  write_results_csv(options.out, results, options.top_k);
}

}  // namespace

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
