#include "oml/cli/light/retrieval_inputs.h"

#include <cstdio>

#include "oml/common/errors.h"

namespace oml::cli {

RetrievalInputs load_retrieval_inputs(const std::string& csv, const std::string& root,
                                      const std::string& embeddings, bool need_categories,
                                      bool keep_embeddings) {
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
  if (keep_embeddings) {
    inputs.galleries = gather_rows(inputs.embeddings, inputs.problem.gallery_rows);
  } else {
    inputs.galleries = take_rows(std::move(inputs.embeddings), inputs.problem.gallery_rows);
    inputs.embeddings = Matrix{};
  }
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

}  // namespace oml::cli
