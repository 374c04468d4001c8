#include "oml/models/unpickler.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstring>
#include <exception>

#include "oml/common/errors.h"
#include "oml/models/pickle_cycles.h"
#include "oml/models/pickle_limits.h"

namespace oml {
namespace {

using Kind = PickleObject::Kind;

// Names of the only callables the unpickler evaluates.
constexpr const char* kOrderedDict = "collections.OrderedDict";
constexpr const char* kRebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
constexpr const char* kRebuildParameter = "torch._utils._rebuild_parameter";
constexpr const char* kReconstructor = "copyreg._reconstructor";

PickleValue make_int(int64_t value) {
  auto v = make_pickle_value(Kind::Int);
  v->integer = value;
  return v;
}

PickleValue make_text(Kind kind, std::string text) {
  auto v = make_pickle_value(kind);
  v->text = std::move(text);
  return v;
}

PickleValue make_opaque(std::string class_name) { return make_text(Kind::Opaque, std::move(class_name)); }

// Little-endian two's complement of `bytes` bytes (LONG1/LONG4); wider values stay BigInt.
PickleValue make_long(const char* bytes, size_t n) {
  if (n > 8) return make_text(Kind::BigInt, std::string(bytes, n));
  uint64_t raw = 0;
  for (size_t i = 0; i < n; ++i) raw |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  if (n > 0 && n < 8 && (static_cast<uint8_t>(bytes[n - 1]) & 0x80)) raw |= ~uint64_t{0} << (8 * n);
  return make_int(static_cast<int64_t>(raw));
}

std::vector<int64_t> int_tuple(const PickleValue& value, const char* what) {
  if (!value || (value->kind != Kind::Tuple && value->kind != Kind::List)) {
    throw std::runtime_error(std::string(what) + " is not a tuple");
  }
  std::vector<int64_t> out;
  for (const auto& item : value->items) {
    if (item->kind != Kind::Int) throw std::runtime_error(std::string(what) + " holds a non-integer");
    out.push_back(item->integer);
  }
  return out;
}

}  // namespace

RestrictedUnpickler::RestrictedUnpickler(const char* data, size_t size, std::string source,
                                         PersistentLoader persistent_loader)
    : data_(data),
      size_(size),
      source_(std::move(source)),
      persistent_loader_(std::move(persistent_loader)) {}

void RestrictedUnpickler::fail(const std::string& what) const {
  throw InputError(
      fmt::format("{}: cannot read the checkpoint's pickle data at byte {}: {}", source_, position_, what));
}

uint8_t RestrictedUnpickler::read_byte() {
  if (position_ >= size_) fail("unexpected end of data (truncated file?)");
  return static_cast<uint8_t>(data_[position_++]);
}

const char* RestrictedUnpickler::read_bytes(size_t n) {
  if (n > size_ - position_) fail("unexpected end of data (truncated file?)");
  const char* start = data_ + position_;
  position_ += n;
  return start;
}

std::string RestrictedUnpickler::read_line() {
  const void* newline = std::memchr(data_ + position_, '\n', size_ - position_);
  if (!newline) fail("unexpected end of data in a text opcode");
  const size_t end = static_cast<const char*>(newline) - data_;
  std::string line(data_ + position_, end - position_);
  position_ = end + 1;
  return line;
}

uint64_t RestrictedUnpickler::read_uint(size_t n) {
  const char* bytes = read_bytes(n);
  uint64_t value = 0;
  for (size_t i = 0; i < n; ++i) value |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  return value;
}

void RestrictedUnpickler::push(PickleValue value) {
  if (++pushes_ > kMaxPicklePushes) fail_too_many_pushes();
  stack_.push_back(std::move(value));
}

void RestrictedUnpickler::fail_too_many_pushes() const {
  fail(fmt::format("more than {} values (a limit far above any checkpoint's; is this a hostile file?)",
                   kMaxPicklePushes));
}

PickleValue RestrictedUnpickler::pop() {
  if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("stack underflow");
  auto value = std::move(stack_.back());
  stack_.pop_back();
  return value;
}

PickleValue& RestrictedUnpickler::top() {
  if (stack_.empty()) fail("stack underflow");
  return stack_.back();
}

std::vector<PickleValue> RestrictedUnpickler::pop_to_mark() {
  if (marks_.empty()) fail("no MARK on the stack");
  const size_t mark = marks_.back();
  marks_.pop_back();
  std::vector<PickleValue> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
                                 std::make_move_iterator(stack_.end()));
  stack_.resize(mark);
  return items;
}

PickleValue RestrictedUnpickler::make_global(const std::string& module, const std::string& name) {
  // Python 2 pickles name the builtins module differently; normalise for messages only.
  return make_text(Kind::Global, (module == "__builtin__" ? "builtins" : module) + "." + name);
}

void RestrictedUnpickler::set_item(PickleObject& dict, PickleValue key, PickleValue value) {
  if (dict.kind != Kind::Dict) return;  // items of an opaque object (a dict subclass): ignored
  if (key->kind == Kind::String) {
    auto [slot, inserted] = dict.string_key_position.emplace(key->text, dict.entries.size());
    if (!inserted) {
      dict.entries[slot->second].second = std::move(value);
      return;
    }
  }
  dict.entries.emplace_back(std::move(key), std::move(value));
}

PickleValue RestrictedUnpickler::rebuild_tensor(const std::vector<PickleValue>& args) {
  if (args.size() < 4 || args[0]->kind != Kind::Storage || args[1]->kind != Kind::Int) {
    fail("malformed torch._utils._rebuild_tensor_v2 arguments");
  }
  const auto& storage = args[0]->tensor;
  const int64_t offset = args[1]->integer;
  std::vector<int64_t> size;
  std::vector<int64_t> stride;
  try {
    size = int_tuple(args[2], "tensor size");
    stride = int_tuple(args[3], "tensor stride");
  } catch (const std::exception& e) {
    fail(e.what());
  }
  if (size.size() != stride.size()) fail("tensor size and stride have different lengths");
  int64_t last = offset;
  bool empty = false;
  for (size_t i = 0; i < size.size(); ++i) {
    if (size[i] < 0 || stride[i] < 0) fail("negative tensor size or stride");
    if (size[i] == 0) empty = true;
    last += (size[i] - 1) * stride[i];
  }
  if (offset < 0 || (!empty && last >= storage.numel())) {
    fail(fmt::format("tensor [{}] at offset {} does not fit its storage of {} elements", fmt::join(size, ","),
                     offset, storage.numel()));
  }
  auto v = make_pickle_value(Kind::Tensor);
  v->tensor = empty ? torch::empty(size, storage.options()) : storage.as_strided(size, stride, offset);
  return v;
}

PickleValue RestrictedUnpickler::call(const PickleValue& callable, const PickleValue& args) {
  if (callable->kind != Kind::Global) {
    // Calling an opaque result, e.g. a factory returned by another reduce: stays opaque.
    return make_opaque(callable->type_name());
  }
  const std::string& name = callable->text;
  const auto& arg_items = args->items;
  if (name == kOrderedDict) {
    auto dict = make_pickle_value(Kind::Dict);
    dict->ordered = true;
    return dict;
  }
  if (name == kRebuildTensorV2) return rebuild_tensor(arg_items);
  if (name == kRebuildParameter) {
    if (arg_items.empty() || arg_items[0]->kind != Kind::Tensor)
      fail("malformed torch._utils._rebuild_parameter");
    return arg_items[0];
  }
  if (name == kReconstructor && !arg_items.empty() && arg_items[0]->kind == Kind::Global) {
    return make_opaque(arg_items[0]->text);  // name the reconstructed class, not copyreg
  }
  return make_opaque(name);
}

PickleValue RestrictedUnpickler::load() {
  stack_.clear();
  marks_.clear();
  memo_.clear();
  pushes_ = 0;
  MutatedContainers mutated;
  // A failed load may leave reference cycles among its partial objects: break them on the way out.
  struct ReleaseOnFailure {
    MutatedContainers& mutated;
    int exceptions = std::uncaught_exceptions();
    ~ReleaseOnFailure() {
      if (std::uncaught_exceptions() > exceptions) mutated.release();
    }
  } release_on_failure{mutated};
  while (true) {
    const uint8_t op = read_byte();
    switch (op) {
      case 0x80:
        read_byte();
        break;  // PROTO
      case 0x95:
        read_bytes(8);
        break;  // FRAME: framing is only a hint
      case '(':
        if (++pushes_ > kMaxPicklePushes) fail_too_many_pushes();
        marks_.push_back(stack_.size());
        break;     // MARK
      case '.': {  // STOP
        auto result = pop();
        if (mutated.has_cycle())
          fail("a container holds itself (a reference cycle), which no checkpoint needs");
        if (nests_deeper_than(*result, kMaxPickleNesting)) {
          fail(
              fmt::format("containers nest more than {} levels deep (Python's pickle cannot write that; "
                          "a checkpoint nests about 5)",
                          kMaxPickleNesting));
        }
        return result;
      }
      case '0':
        pop();
        break;  // POP
      case '1':
        pop_to_mark();
        break;  // POP_MARK
      case '2':
        push(top());
        break;  // DUP
      case 'N':
        push(make_pickle_value(Kind::None));
        break;
      case 0x88:
      case 0x89: {  // NEWTRUE / NEWFALSE
        auto v = make_pickle_value(Kind::Bool);
        v->boolean = op == 0x88;
        push(v);
        break;
      }
      case 'J':
        push(make_int(static_cast<int32_t>(read_uint(4))));
        break;  // BININT
      case 'K':
        push(make_int(read_byte()));
        break;  // BININT1
      case 'M':
        push(make_int(static_cast<int64_t>(read_uint(2))));
        break;      // BININT2
      case 0x8a: {  // LONG1
        const size_t n = read_byte();
        push(make_long(read_bytes(n), n));
        break;
      }
      case 0x8b: {  // LONG4
        const size_t n = read_uint(4);
        push(make_long(read_bytes(n), n));
        break;
      }
      case 'I':
      case 'L': {  // INT / LONG (text)
        std::string line = read_line();
        if (!line.empty() && line.back() == 'L') line.pop_back();
        if (op == 'I' && (line == "00" || line == "01")) {
          auto v = make_pickle_value(Kind::Bool);
          v->boolean = line == "01";
          push(v);
        } else {
          try {
            push(make_int(std::stoll(line)));
          } catch (const std::exception&) {
            fail("integer out of range: " + line);
          }
        }
        break;
      }
      case 'F': {  // FLOAT (text)
        auto v = make_pickle_value(Kind::Float);
        v->real = std::strtod(read_line().c_str(), nullptr);
        push(v);
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        const char* bytes = read_bytes(8);
        uint64_t raw = 0;
        for (int i = 0; i < 8; ++i) raw = (raw << 8) | static_cast<uint8_t>(bytes[i]);
        auto v = make_pickle_value(Kind::Float);
        std::memcpy(&v->real, &raw, sizeof raw);
        push(v);
        break;
      }
      case 'X': {  // BINUNICODE
        const size_t n = read_uint(4);
        push(make_text(Kind::String, std::string(read_bytes(n), n)));
        break;
      }
      case 0x8c: {  // SHORT_BINUNICODE
        const size_t n = read_byte();
        push(make_text(Kind::String, std::string(read_bytes(n), n)));
        break;
      }
      case 0x8d: {  // BINUNICODE8
        const size_t n = read_uint(8);
        push(make_text(Kind::String, std::string(read_bytes(n), n)));
        break;
      }
      case 'V':
        push(make_text(Kind::String, read_line()));
        break;     // UNICODE (raw-unicode-escape)
      case 'S': {  // STRING: a quoted repr; quotes stripped, escapes kept
        std::string line = read_line();
        if (line.size() >= 2) line = line.substr(1, line.size() - 2);
        push(make_text(Kind::String, line));
        break;
      }
      case 'T':
      case 'B': {  // BINSTRING (py2 str) / BINBYTES
        const size_t n = read_uint(4);
        push(make_text(op == 'T' ? Kind::String : Kind::Bytes, std::string(read_bytes(n), n)));
        break;
      }
      case 'U':
      case 'C': {  // SHORT_BINSTRING / SHORT_BINBYTES
        const size_t n = read_byte();
        push(make_text(op == 'U' ? Kind::String : Kind::Bytes, std::string(read_bytes(n), n)));
        break;
      }
      case 0x8e:
      case 0x96: {  // BINBYTES8 / BYTEARRAY8
        const size_t n = read_uint(8);
        push(make_text(Kind::Bytes, std::string(read_bytes(n), n)));
        break;
      }
      case 0x97:
        fail("out-of-band pickle buffers are not supported");
      case 0x98:
      case 0x99:
        break;  // READONLY_BUFFER / BUFFER hints
      case ']':
        push(make_pickle_value(Kind::List));
        break;
      case ')':
        push(make_pickle_value(Kind::Tuple));
        break;
      case '}':
        push(make_pickle_value(Kind::Dict));
        break;
      case 0x8f:
        push(make_pickle_value(Kind::Set));
        break;
      case 'l':
      case 't':
      case 0x91: {  // LIST / TUPLE / FROZENSET from mark
        auto v = make_pickle_value(op == 'l' ? Kind::List : op == 't' ? Kind::Tuple : Kind::Set);
        v->items = pop_to_mark();
        push(v);
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t n = op - 0x84;
        auto v = make_pickle_value(Kind::Tuple);
        v->items.resize(n);
        for (size_t i = n; i-- > 0;) v->items[i] = pop();
        push(v);
        break;
      }
      case 'd': {  // DICT from mark
        auto items = pop_to_mark();
        if (items.size() % 2) fail("DICT with an odd number of items");
        auto v = make_pickle_value(Kind::Dict);
        for (size_t i = 0; i < items.size(); i += 2) set_item(*v, items[i], items[i + 1]);
        push(v);
        break;
      }
      case 'a': {  // APPEND
        auto value = pop();
        auto& list = top();
        mutated.add(list);
        if (list->kind == Kind::List) list->items.push_back(std::move(value));
        break;
      }
      case 'e':
      case 0x90: {  // APPENDS / ADDITEMS
        auto items = pop_to_mark();
        auto& target = top();
        mutated.add(target);
        if (target->kind == Kind::List || target->kind == Kind::Set) {
          for (auto& item : items) target->items.push_back(std::move(item));
        }
        break;
      }
      case 's': {  // SETITEM
        auto value = pop();
        auto key = pop();
        mutated.add(top());
        set_item(*top(), std::move(key), std::move(value));
        break;
      }
      case 'u': {  // SETITEMS
        auto items = pop_to_mark();
        if (items.size() % 2) fail("SETITEMS with an odd number of items");
        auto& dict = top();
        mutated.add(dict);
        for (size_t i = 0; i < items.size(); i += 2) set_item(*dict, items[i], items[i + 1]);
        break;
      }
      case 'c': {  // GLOBAL
        std::string module = read_line();
        std::string name = read_line();
        push(make_global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        auto name = pop();
        auto module = pop();
        if (!name->is_string() || !module->is_string()) fail("STACK_GLOBAL needs two strings");
        push(make_global(module->text, name->text));
        break;
      }
      case 'R': {  // REDUCE
        auto args = pop();
        auto callable = pop();
        if (args->kind != Kind::Tuple) fail("REDUCE arguments are not a tuple");
        push(call(callable, args));
        break;
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
        auto args = pop();
        auto cls = pop();
        push(call(cls, make_pickle_value(Kind::Tuple)));
        break;
      }
      case 0x92: {  // NEWOBJ_EX
        pop();
        pop();
        auto cls = pop();
        push(call(cls, make_pickle_value(Kind::Tuple)));
        break;
      }
      case 'o': {  // OBJ: class and args after a mark
        auto items = pop_to_mark();
        if (items.empty()) fail("OBJ without a class");
        push(make_opaque(items[0]->type_name()));
        break;
      }
      case 'i': {  // INST
        std::string module = read_line();
        std::string name = read_line();
        pop_to_mark();
        push(make_opaque(module + "." + name));
        break;
      }
      case 'b':
        pop();
        break;  // BUILD: state of opaque objects / OrderedDict._metadata
      case 0x82:
        read_bytes(1);
        push(make_opaque("copyreg extension"));
        break;  // EXT1
      case 0x83:
        read_bytes(2);
        push(make_opaque("copyreg extension"));
        break;  // EXT2
      case 0x84:
        read_bytes(4);
        push(make_opaque("copyreg extension"));
        break;     // EXT4
      case 'Q': {  // BINPERSID
        auto pid = pop();
        push(persistent_loader_(pid));
        break;
      }
      case 'P':
        fail("text persistent ids (PERSID) are not used by torch.save");
      case 'p':
      case 'q':
      case 'r':
      case 0x94: {  // PUT / BINPUT / LONG_BINPUT / MEMOIZE
        const uint64_t index = op == 'p'   ? std::strtoull(read_line().c_str(), nullptr, 10)
                               : op == 'q' ? read_byte()
                               : op == 'r' ? read_uint(4)
                                           : memo_.size();
        if (memo_.size() >= kMaxPickleMemo) fail("too many memo entries");
        memo_[index] = top();
        break;
      }
      case 'g':
      case 'h':
      case 'j': {  // GET / BINGET / LONG_BINGET
        const uint64_t index = op == 'g'   ? std::strtoull(read_line().c_str(), nullptr, 10)
                               : op == 'h' ? read_byte()
                                           : read_uint(4);
        auto found = memo_.find(index);
        if (found == memo_.end()) fail(fmt::format("memo entry {} read before it was written", index));
        push(found->second);
        break;
      }
      default:
        fail(fmt::format("unknown pickle opcode 0x{:02x}", op));
    }
  }
}

}  // namespace oml
