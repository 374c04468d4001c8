#include "oml/models/pickle_limits.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace oml {
namespace {

// The `index`-th value `object` holds directly (items, then each entry's key and value), or
// nullptr past the end; `*past_end` tells the two apart, since a slot may hold nullptr too.
const PickleObject* child_at(const PickleObject& object, size_t index, bool* past_end) {
  *past_end = false;
  if (index < object.items.size()) return object.items[index].get();
  index -= object.items.size();
  if (index / 2 < object.entries.size()) {
    const auto& entry = object.entries[index / 2];
    return (index % 2 ? entry.second : entry.first).get();
  }
  *past_end = true;
  return nullptr;
}

bool is_container(const PickleObject& object) { return !object.items.empty() || !object.entries.empty(); }

}  // namespace

bool nests_deeper_than(const PickleObject& root, size_t limit) {
  // Depth-first, keeping for each finished container its height (1 + the tallest child); a
  // container met again is not walked again. A path longer than the limit stops the walk, which
  // also ends it on a cycle.
  struct Frame {
    const PickleObject* node;
    size_t next_child;
    size_t height;
  };
  std::unordered_map<const PickleObject*, size_t> height_of;
  std::vector<Frame> path{{&root, 0, 1}};
  while (!path.empty()) {
    if (path.size() > limit) return true;
    Frame& frame = path.back();
    bool past_end = false;
    const PickleObject* child = child_at(*frame.node, frame.next_child++, &past_end);
    if (past_end) {
      const size_t height = frame.height;
      height_of[frame.node] = height;
      path.pop_back();
      if (!path.empty()) path.back().height = std::max(path.back().height, height + 1);
      if (height + path.size() > limit) return true;
      continue;
    }
    if (!child || !is_container(*child)) {
      frame.height = std::max<size_t>(frame.height, 2);
      continue;
    }
    const auto known = height_of.find(child);
    if (known != height_of.end()) {
      frame.height = std::max(frame.height, known->second + 1);
      if (known->second + path.size() > limit) return true;
      continue;
    }
    path.push_back({child, 0, 1});
  }
  return false;
}

}  // namespace oml
