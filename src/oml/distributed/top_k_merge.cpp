#include "oml/distributed/top_k_merge.h"

#include <algorithm>
#include <stdexcept>

#include "oml/retrieval/top_k.h"

namespace oml::distributed {

PackedLists pack_lists(const std::vector<std::vector<Neighbor>>& lists) {
  PackedLists packed;
  size_t total = 0;
  for (const auto& list : lists) total += list.size();
  packed.ids.reserve(lists.size() + total);
  packed.distances.reserve(total);
  for (const auto& list : lists) packed.ids.push_back(static_cast<int64_t>(list.size()));
  for (const auto& list : lists) {
    for (const Neighbor& n : list) {
      packed.ids.push_back(n.gallery);
      packed.distances.push_back(n.distance);
    }
  }
  return packed;
}

std::vector<std::vector<Neighbor>> unpack_lists(const PackedLists& packed, int64_t num_queries) {
  if (num_queries < 0 || packed.ids.size() < static_cast<size_t>(num_queries)) {
    throw std::invalid_argument("unpack_lists: buffer shorter than its list lengths");
  }
  std::vector<std::vector<Neighbor>> lists(static_cast<size_t>(num_queries));
  size_t next = 0;
  for (int64_t q = 0; q < num_queries; ++q) {
    const int64_t count = packed.ids[static_cast<size_t>(q)];
    if (count < 0 || next + static_cast<size_t>(count) > packed.distances.size()) {
      throw std::invalid_argument("unpack_lists: list lengths exceed the buffer");
    }
    auto& list = lists[static_cast<size_t>(q)];
    list.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i, ++next) {
      list.push_back({static_cast<int32_t>(packed.ids[static_cast<size_t>(num_queries) + next]),
                      packed.distances[next]});
    }
  }
  if (next != packed.distances.size() || packed.ids.size() != static_cast<size_t>(num_queries) + next) {
    throw std::invalid_argument("unpack_lists: buffer longer than its list lengths");
  }
  return lists;
}

std::vector<Neighbor> merge_top_k(const std::vector<std::vector<Neighbor>>& lists, int64_t k) {
  std::vector<Neighbor> all;
  for (const auto& list : lists) all.insert(all.end(), list.begin(), list.end());
  // `closer` is a strict total order on (distance, gallery) with distinct ids, so the result does
  // not depend on how the gallery was split.
  const size_t keep = std::min(all.size(), static_cast<size_t>(std::max<int64_t>(k, 0)));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(), closer);
  all.resize(keep);
  return all;
}

}  // namespace oml::distributed
