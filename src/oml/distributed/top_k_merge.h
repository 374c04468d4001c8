#pragma once
// Per-rank top-k lists of a query block, packed for the wire and merged back into one list per
// query with the one-process order: distance, then lower gallery index (spec §12).
#include <cstdint>
#include <vector>

#include "oml/retrieval/retrieval_results.h"

namespace oml::distributed {

// A block's lists as two flat buffers: ids = [n_0, ..., n_{Q-1}, gallery ids of list 0, list 1, ...]
// and distances in the same order as the gallery ids.
struct PackedLists {
  std::vector<int64_t> ids;
  std::vector<float> distances;
};

PackedLists pack_lists(const std::vector<std::vector<Neighbor>>& lists);

// Inverse of pack_lists for a block of `num_queries`; std::invalid_argument when the buffers
// disagree with each other.
std::vector<std::vector<Neighbor>> unpack_lists(const PackedLists& packed, int64_t num_queries);

// The k closest of the union of `lists` (each sorted closest first, gallery ids disjoint across
// lists), closest first. Equal distances keep the lower gallery id first, as one index over the
// whole gallery does.
std::vector<Neighbor> merge_top_k(const std::vector<std::vector<Neighbor>>& lists, int64_t k);

}  // namespace oml::distributed
