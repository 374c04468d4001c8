#pragma once
// One batch of served queries through the same stages as `oml search`: the index's kNN lists, then
// the --post chain, built once at start-up (checkpoints stay loaded). Query images live in memory
// (RetrievalProblem rows above every gallery row), so the re-ranker reads them without files.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oml/data/image.h"
#include "oml/data/image_limits.h"
#include "oml/postprocessing/pipeline.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/serve/gallery.h"

namespace oml::serve {

struct SearchQuery {
  std::vector<float> embedding;
  std::optional<ImageRGB8> image;  // decoded as `oml search` reads files; none for a vector query
  int64_t top_k = 10;
};

struct SearchHit {
  int64_t row = 0;
  int64_t label = 0;
  std::string path;
  float distance = 0;
};

struct SearchAnswer {
  std::vector<SearchHit> results;    // final order, after the chain, top_k items at most
  std::vector<SearchHit> retrieved;  // the index's list before the chain (the page's "before")
  std::vector<std::string> skipped;  // --post tokens not applied (they need the query image)
};

class SearchEngine {
 public:
  SearchEngine(const std::vector<std::string>& post, IndexOptions index, ImageLimits image_limits);
  ~SearchEngine();

  // Answers queries[i] in answers[i]. Queries that the chain treats alike (same top_k, image or
  // not) are searched together, so the re-ranker scores all their pairs in shared forwards; with a
  // krnn step each query is alone, since its graph would otherwise include the other queries.
  std::vector<SearchAnswer> search(const std::vector<SearchQuery>& queries, const Gallery& gallery);

  // --post steps that read the query image (skipped for vector queries).
  std::vector<std::string> image_steps() const;

 private:
  void refresh_index(const Gallery& gallery);
  void search_group(const std::vector<const SearchQuery*>& group, const Gallery& gallery,
                    std::vector<SearchAnswer*>& answers);

  std::vector<PostprocessorSpec> specs_;
  std::vector<std::unique_ptr<RetrievalPostprocessor>> steps_;
  IndexOptions index_options_;
  ImageLimits image_limits_;
  bool queries_interact_ = false;
  std::unique_ptr<NearestNeighborIndex> index_;
  const Gallery* indexed_gallery_ = nullptr;
  uint64_t indexed_version_ = 0;
};

}  // namespace oml::serve
