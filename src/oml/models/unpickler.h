#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

// A restricted pickle reader for PyTorch checkpoints. It understands the opcodes of protocols 0-5
// but never imports or calls anything: the only callables it evaluates are collections.OrderedDict
// and torch's tensor rebuild functions; every other class becomes an inert Opaque value that keeps
// its name, so a checkpoint can carry Lightning hyper-parameters (paths, namespaces, numpy scalars)
// without them ever being executed, and a caller can reject them by name where they matter.
namespace oml {

struct PickleObject;
using PickleValue = std::shared_ptr<PickleObject>;

struct PickleObject {
  PickleObject() = default;
  PickleObject(const PickleObject&) = default;
  PickleObject& operator=(const PickleObject&) = default;
  // Releases what it holds without recursing: a hostile pickle nests a million levels deep, and the
  // default member-wise destruction would overflow the call stack.
  ~PickleObject();

  enum class Kind {
    None,
    Bool,
    Int,
    BigInt,
    Float,
    String,
    Bytes,
    List,
    Tuple,
    Set,
    Dict,
    Global,
    Opaque,
    Tensor,
    Storage
  };
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0.0;
  // String/Bytes: the data; BigInt: little-endian two's complement bytes; Global: "module.name";
  // Opaque: the class name ("pathlib.PosixPath").
  std::string text;
  std::vector<PickleValue> items;                               // List, Tuple, Set
  std::vector<std::pair<PickleValue, PickleValue>> entries;     // Dict, in insertion order
  std::unordered_map<std::string, size_t> string_key_position;  // Dict: index of string keys
  bool ordered = false;                                         // Dict built as collections.OrderedDict
  torch::Tensor tensor;                                         // Tensor; Storage (flat, typed)

  bool is_string() const { return kind == Kind::String; }
  // Dict lookup by string key; nullptr when absent.
  PickleValue find(const std::string& key) const;
  // Human-readable type for messages: "str", "dict", "tensor", "pathlib.PosixPath", ...
  std::string type_name() const;
};

// Called for BINPERSID with the persistent id (a tuple for torch.save files); returns the object.
using PersistentLoader = std::function<PickleValue(const PickleValue& persistent_id)>;

class RestrictedUnpickler {
 public:
  // `source` names the file in messages. The buffer must outlive the unpickler.
  RestrictedUnpickler(const char* data, size_t size, std::string source, PersistentLoader persistent_loader);

  // Reads one pickle starting at the current position (legacy torch.save files hold several in a row).
  PickleValue load();
  size_t position() const { return position_; }

 private:
  uint8_t read_byte();
  const char* read_bytes(size_t n);
  std::string read_line();
  uint64_t read_uint(size_t n);

  void push(PickleValue value);
  PickleValue pop();
  PickleValue& top();
  std::vector<PickleValue> pop_to_mark();
  PickleValue make_global(const std::string& module, const std::string& name);
  PickleValue call(const PickleValue& callable, const PickleValue& args);
  PickleValue rebuild_tensor(const std::vector<PickleValue>& args);
  void set_item(PickleObject& dict, PickleValue key, PickleValue value);
  [[noreturn]] void fail(const std::string& what) const;
  [[noreturn]] void fail_too_many_pushes() const;

  const char* data_;
  size_t size_;
  size_t position_ = 0;
  std::string source_;
  PersistentLoader persistent_loader_;
  std::vector<PickleValue> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PickleValue> memo_;
  size_t pushes_ = 0;  // values and MARKs pushed by this load (pickle_limits.h)
};

PickleValue make_pickle_value(PickleObject::Kind kind);

}  // namespace oml
