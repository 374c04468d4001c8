#pragma once
// What `oml evaluate` and `oml search` share: reading the CSV + embeddings, the index options,
// and the postprocessing seam between retrieval and metrics/output.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/io/npy.h"
#include "oml/postprocessing/pipeline.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml::cli {

struct RetrievalInputs {
  Dataframe df;
  Matrix embeddings;  // one row per CSV row; empty unless loaded with keep_embeddings
  RetrievalProblem problem;
  Matrix queries;    // embeddings of problem.query_rows
  Matrix galleries;  // embeddings of problem.gallery_rows
};

// Reads and validates (spec §1, §1.5, §10.1): CSV rules, >=1 query and gallery, one embedding row
// per CSV row, finite values; with `need_categories`, rule 12. Prints CSV warnings to stderr.
// Without `keep_embeddings` the full matrix is not kept: its buffer becomes the galleries.
RetrievalInputs load_retrieval_inputs(const std::string& csv, const std::string& root,
                                      const std::string& embeddings, bool need_categories,
                                      bool keep_embeddings);

// --index exact|hnsw, --hnsw-m, --hnsw-ef-construction, --hnsw-ef, --threads.
void add_index_options(CLI::App& command, IndexOptions& options);

// The seam between retrieval and metrics/output: applies the --post steps in order to the
// per-query lists (spec §10-15) and returns every pair's final distance for fnmr@fmr.
// `image_limits` guards the images the pairwise re-ranker reads (--max-image-pixels).
FinalDistances run_postprocessing(const std::vector<PostprocessorSpec>& steps, RetrievalResults& results,
                                  const RetrievalInputs& inputs, int64_t list_length, int threads,
                                  const ImageLimits& image_limits);

}  // namespace oml::cli
