// The value type the restricted unpickler builds (declared in unpickler.h): construction, lookup,
// names for messages, and a destructor that never recurses.
#include <utility>
#include <vector>

#include "oml/models/unpickler.h"

namespace oml {

using Kind = PickleObject::Kind;

PickleValue make_pickle_value(PickleObject::Kind kind) {
  auto v = std::make_shared<PickleObject>();
  v->kind = kind;
  return v;
}

PickleObject::~PickleObject() {
  if (items.empty() && entries.empty()) return;
  // Children whose last owner is this object give their own children to `pending` before they go,
  // so each destructor below runs with nothing left to release: the depth of recursion is one.
  std::vector<PickleValue> pending;
  auto take_children = [&pending](PickleObject& object) {
    for (auto& item : object.items) pending.push_back(std::move(item));
    for (auto& [key, value] : object.entries) {
      pending.push_back(std::move(key));
      pending.push_back(std::move(value));
    }
    object.items.clear();
    object.entries.clear();
  };
  take_children(*this);
  while (!pending.empty()) {
    PickleValue next = std::move(pending.back());
    pending.pop_back();
    if (next && next.use_count() == 1) take_children(*next);
  }
}

PickleValue PickleObject::find(const std::string& key) const {
  auto found = string_key_position.find(key);
  return found == string_key_position.end() ? nullptr : entries[found->second].second;
}

std::string PickleObject::type_name() const {
  switch (kind) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
    case Kind::BigInt:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::String:
      return "str";
    case Kind::Bytes:
      return "bytes";
    case Kind::List:
      return "list";
    case Kind::Tuple:
      return "tuple";
    case Kind::Set:
      return "set";
    case Kind::Dict:
      return ordered ? "collections.OrderedDict" : "dict";
    case Kind::Global:
      return "class/function " + text;
    case Kind::Opaque:
      return text;
    case Kind::Tensor:
      return "tensor";
    case Kind::Storage:
      return "storage";
  }
  return "?";
}

}  // namespace oml
