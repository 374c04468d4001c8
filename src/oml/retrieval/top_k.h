#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "oml/retrieval/retrieval_results.h"

namespace oml {

// Order of retrieval lists: distance, then lower gallery index (spec §12: ties → lower row).
inline bool closer(const Neighbor& a, const Neighbor& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.gallery < b.gallery);
}

// Keeps the k closest neighbors seen so far in a max-heap on (distance, gallery).
class BoundedTopK {
 public:
  explicit BoundedTopK(int64_t k) : k_(static_cast<size_t>(k)) { heap_.reserve(k_); }

  // A candidate strictly closer than this can enter the list.
  float threshold() const {
    return heap_.size() < k_ ? std::numeric_limits<float>::infinity() : heap_.front().distance;
  }
  bool full() const { return heap_.size() >= k_; }

  void push(Neighbor candidate) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back(candidate);
      std::push_heap(heap_.begin(), heap_.end(), closer);
    } else if (closer(candidate, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), closer);
      heap_.back() = candidate;
      std::push_heap(heap_.begin(), heap_.end(), closer);
    }
  }

  // Sorted closest first; leaves the heap empty.
  std::vector<Neighbor> take_sorted() {
    std::sort(heap_.begin(), heap_.end(), closer);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<Neighbor> heap_;
};

}  // namespace oml
