#pragma once
#include <cstdint>
#include <vector>

namespace oml {

// One retrieved gallery item: `gallery` indexes RetrievalResults::gallery_rows (not a CSV row).
struct Neighbor {
  int32_t gallery = 0;
  float distance = 0.0f;
};

// Per-query retrieval lists (spec §10.1): ignored items (same row, same non-empty sequence)
// are absent; lists are sorted by (distance, gallery index) unless a postprocessor re-ordered
// them, and hold at most K items. Plain data, consumed by postprocessors and metrics.
struct RetrievalResults {
  std::vector<int64_t> query_rows;           // CSV rows of the queries, in CSV order
  std::vector<int64_t> gallery_rows;         // CSV rows of the galleries, in CSV order
  std::vector<std::vector<Neighbor>> lists;  // lists[q], one per query
};

}  // namespace oml
