#pragma once
// What `oml evaluate` and `oml search` share and need no libtorch: reading the CSV + embeddings and
// the index options. The --post seam is in cli/retrieval_inputs.h (full binary only).
#include <CLI/CLI.hpp>
#include <string>

#include "oml/data/dataframe.h"
#include "oml/io/npy.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/retrieval_problem.h"

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

}  // namespace oml::cli
