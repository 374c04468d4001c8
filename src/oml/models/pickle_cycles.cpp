#include "oml/models/pickle_cycles.h"

#include <unordered_map>
#include <utility>

namespace oml {
namespace {

// The values `object` holds directly.
std::vector<const PickleObject*> children(const PickleObject& object) {
  std::vector<const PickleObject*> out;
  for (const auto& item : object.items) out.push_back(item.get());
  for (const auto& [key, value] : object.entries) {
    out.push_back(key.get());
    out.push_back(value.get());
  }
  return out;
}

}  // namespace

void MutatedContainers::add(const PickleValue& container) {
  // Runs of inserts into one container (a list's APPENDs) are recorded once.
  if (!containers_.empty() && containers_.back().lock() == container) return;
  containers_.push_back(container);
}

bool MutatedContainers::has_cycle() const {
  // Iterative depth-first search with the usual colours (absent = unvisited, false = on the path,
  // true = done): a child on the path is a back edge, i.e. a cycle. Iterative, because a hostile
  // pickle can nest far deeper than the call stack.
  std::unordered_map<const PickleObject*, bool> done;
  for (const auto& weak : containers_) {
    const PickleValue start = weak.lock();
    if (!start || done.count(start.get())) continue;
    std::vector<std::pair<const PickleObject*, std::vector<const PickleObject*>>> path;
    done[start.get()] = false;
    path.emplace_back(start.get(), children(*start));
    while (!path.empty()) {
      auto& [node, pending] = path.back();
      if (pending.empty()) {
        done[node] = true;
        path.pop_back();
        continue;
      }
      const PickleObject* child = pending.back();
      pending.pop_back();
      if (!child) continue;
      const auto seen = done.find(child);
      if (seen != done.end()) {
        if (!seen->second) return true;
        continue;
      }
      done[child] = false;
      path.emplace_back(child, children(*child));
    }
  }
  return false;
}

void MutatedContainers::release() {
  for (const auto& weak : containers_) {
    if (const PickleValue container = weak.lock()) {
      container->items.clear();
      container->entries.clear();
      container->string_key_position.clear();
    }
  }
  containers_.clear();
}

}  // namespace oml
