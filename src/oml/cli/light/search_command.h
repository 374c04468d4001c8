#pragma once
// `oml search` in two halves, as evaluate_command.h: the CLI definition and the plain one-process
// run need no libtorch (light/cmd_search.cpp); run_search_full is the --post / torchrun path
// (search_full.cpp in oml-full, an exec of oml-full in the light front).
#include <cstdint>
#include <string>
#include <vector>

#include "oml/data/image_limits.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml::cli {

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

// Writes query_row,rank,gallery_row,distance: the first `top_k` items of every list.
void write_results_csv(const std::string& path, const RetrievalResults& results, int64_t top_k);

// Runs search with a --post chain or under torchrun (options already checked).
void run_search_full(const SearchOptions& options);

}  // namespace oml::cli
