#pragma once
#include <memory>
#include <vector>

#include "oml/models/unpickler.h"

namespace oml {

// The containers an unpickler inserted into after creating them (APPEND, APPENDS, ADDITEMS,
// SETITEM, SETITEMS): the only way a pickle can close a reference cycle is to fetch an enclosing
// container from the memo and insert it there. PickleValues are shared_ptrs, so such a cycle would
// never be freed: a hostile checkpoint could leak memory on every load (found by fuzz_checkpoint).
class MutatedContainers {
 public:
  void add(const PickleValue& container);
  // True when an object reachable from a recorded container reaches itself.
  bool has_cycle() const;
  // Empties every recorded container still alive, which breaks every cycle (each passes through a
  // recorded container). For loads that failed: nobody reads their objects.
  void release();

 private:
  std::vector<std::weak_ptr<PickleObject>> containers_;
};

}  // namespace oml
