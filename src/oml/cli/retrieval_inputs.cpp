#include "oml/cli/retrieval_inputs.h"

#include <fmt/format.h>

#include <cstdio>

#include "oml/common/errors.h"

namespace oml::cli {

RetrievalInputs load_retrieval_inputs(const std::string& csv, const std::string& root,
                                      const std::string& embeddings, bool need_categories) {
  RetrievalInputs inputs;
  inputs.df = read_dataframe(csv, root);
  for (const std::string& warning : inputs.df.warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  require_validation_split(inputs.df);
  if (need_categories) require_query_categories(inputs.df);
  inputs.embeddings = read_npy(embeddings);
  require_embeddings_match(inputs.df, inputs.embeddings, embeddings);
  if (inputs.embeddings.cols == 0) throw InputError(embeddings + ": embeddings have 0 columns");
  inputs.problem = make_retrieval_problem(inputs.df);
  inputs.queries = gather_rows(inputs.embeddings, inputs.problem.query_rows);
  inputs.galleries = gather_rows(inputs.embeddings, inputs.problem.gallery_rows);
  return inputs;
}

void add_index_options(CLI::App& command, IndexOptions& options) {
  command
      .add_option("--index", options.kind,
                  "Nearest-neighbour search: exact (streaming GEMM) or hnsw (approximate)")
      ->check(CLI::IsMember({"exact", "hnsw"}))
      ->capture_default_str();
  command.add_option("--hnsw-m", options.hnsw_m, "HNSW: links per node (M)")->capture_default_str();
  command
      .add_option("--hnsw-ef-construction", options.hnsw_ef_construction, "HNSW: beam width while building")
      ->capture_default_str();
  command.add_option("--hnsw-ef", options.hnsw_ef_search, "HNSW: beam width while searching (>= k is used)")
      ->capture_default_str();
  command.add_option("--threads", options.threads, "Worker threads (0 = all cores)")->capture_default_str();
}

std::vector<PostprocessorSpec> parse_postprocessors(const std::vector<std::string>& tokens) {
  std::vector<PostprocessorSpec> steps;
  for (const std::string& token : tokens) {
    const size_t colon = token.find(':');
    PostprocessorSpec step{token.substr(0, colon), colon == std::string::npos ? "" : token.substr(colon + 1)};
    if (step.name.empty()) throw InputError("--post: empty postprocessor in '" + token + "'");
    // pairwise / qe / dba / krnn / threshold plug in here as they are built.
    throw InputError("--post: postprocessor '" + step.name + "' is not available yet");
  }
  return steps;
}

int64_t postprocessing_depth(const std::vector<PostprocessorSpec>& steps) {
  return steps.empty() ? 0 : 0;  // no step is available yet; each will report its top_n / n
}

void apply_postprocessing(const std::vector<PostprocessorSpec>& steps, RetrievalResults& results,
                          const RetrievalInputs& inputs) {
  (void)results;
  (void)inputs;
  for (const PostprocessorSpec& step : steps) {
    throw InputError("--post: postprocessor '" + step.name + "' is not available yet");
  }
}

}  // namespace oml::cli
