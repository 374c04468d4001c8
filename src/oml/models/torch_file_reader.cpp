#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <map>

#include "oml/common/errors.h"
#include "oml/common/file_bytes.h"
#include "oml/models/torch_file.h"
#include "oml/models/zip_directory.h"

namespace oml {
namespace {

using Kind = PickleObject::Kind;

// torch.save's legacy stream starts with this pickled integer.
const char kLegacyMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr int64_t kLegacyProtocolVersion = 1001;
// data.pkl holds names and shapes, not tensor data: a few KB to a few MB for real checkpoints.
constexpr uint64_t kMaxPickleRecordBytes = uint64_t{256} << 20;

torch::ScalarType storage_dtype(const PickleValue& storage_type, const std::string& path) {
  static const std::map<std::string, torch::ScalarType> dtypes = {
      {"torch.FloatStorage", torch::kFloat32}, {"torch.DoubleStorage", torch::kFloat64},
      {"torch.HalfStorage", torch::kFloat16},  {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kInt64},    {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},   {"torch.CharStorage", torch::kInt8},
      {"torch.ByteStorage", torch::kUInt8},    {"torch.BoolStorage", torch::kBool},
      {"torch.UntypedStorage", torch::kUInt8},
  };
  const std::string name = storage_type ? storage_type->text : "?";
  auto found = dtypes.find(name);
  if (!storage_type || storage_type->kind != Kind::Global || found == dtypes.end()) {
    throw InputError(fmt::format("{}: unsupported tensor storage type '{}'", path, name));
  }
  return found->second;
}

struct StorageRef {
  std::string key;
  torch::ScalarType dtype;
  int64_t numel;
};

// Persistent ids are ('storage', storage_type, key, location, numel[, view_metadata]).
StorageRef parse_storage_id(const PickleValue& pid, const std::string& path) {
  const bool ok = pid->kind == Kind::Tuple && pid->items.size() >= 5 && pid->items[0]->is_string() &&
                  pid->items[0]->text == "storage" && pid->items[2]->is_string() &&
                  pid->items[4]->kind == Kind::Int;
  if (!ok)
    throw InputError(
        fmt::format("{}: unsupported persistent object in the pickle (not a tensor storage)", path));
  if (pid->items.size() > 5 && pid->items[5]->kind != Kind::None) {
    throw InputError(
        fmt::format("{}: storage views of pre-0.4 PyTorch files are not supported; re-save the file with "
                    "a recent PyTorch (torch.save(torch.load(f), f))",
                    path));
  }
  return {pid->items[2]->text, storage_dtype(pid->items[1], path), pid->items[4]->integer};
}

PickleValue make_storage(torch::Tensor data) {
  auto v = make_pickle_value(Kind::Storage);
  v->tensor = std::move(data);
  return v;
}

PickleValue read_zip_file(const std::string& path) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const c10::Error& e) {
    throw InputError(fmt::format("{}: not a readable PyTorch zip checkpoint (truncated or corrupt?): {}",
                                 path, e.what_without_backtrace()));
  }
  if (!reader->hasRecord("data.pkl")) {
    if (reader->hasRecord("constants.pkl")) {
      throw InputError(
          fmt::format("{}: this is a TorchScript archive (torch.jit.save), not a state dict; save "
                      "model.state_dict() with torch.save instead",
                      path));
    }
    throw InputError(fmt::format("{}: zip file without data.pkl: not a torch.save checkpoint", path));
  }
  // Every size is checked against what the zip directory declares before libtorch allocates a
  // record's buffer, and a storage adopts that buffer instead of copying it: a checkpoint never
  // takes more memory than its records, which a stored entry cannot make larger than the file.
  const auto declared = read_zip_entry_sizes(path);
  const auto pickle_entry = declared.find("data.pkl");
  if (pickle_entry != declared.end() && pickle_entry->second.uncompressed > kMaxPickleRecordBytes) {
    throw InputError(
        fmt::format("{}: data.pkl declares {} bytes, more than the limit of {} (a checkpoint's "
                    "pickle holds names and shapes, a few MB at most)",
                    path, pickle_entry->second.uncompressed, kMaxPickleRecordBytes));
  }
  std::map<std::string, PickleValue> storages;
  auto load_storage = [&](const PickleValue& pid) -> PickleValue {
    const StorageRef ref = parse_storage_id(pid, path);
    auto& slot = storages[ref.key];
    if (slot) return slot;
    const std::string record = "data/" + ref.key;
    const auto entry = declared.find(record);
    if (!reader->hasRecord(record) || entry == declared.end())
      throw InputError(fmt::format("{}: missing tensor data record '{}'", path, record));
    const uint64_t element_size = c10::elementSize(ref.dtype);
    const uint64_t record_bytes = entry->second.uncompressed;
    if (ref.numel < 0 || static_cast<uint64_t>(ref.numel) > record_bytes / element_size) {
      throw InputError(
          fmt::format("{}: tensor storage '{}' claims {} elements of {} bytes, but its record '{}' "
                      "holds {} bytes",
                      path, ref.key, ref.numel, element_size, record, record_bytes));
    }
    auto [data, size] = reader->getRecord(record);
    if (size < static_cast<uint64_t>(ref.numel) * element_size)
      throw InputError(fmt::format("{}: tensor data record '{}' is shorter than declared", path, record));
    c10::Storage bytes(c10::Storage::use_byte_size_t(), size, std::move(data), nullptr, false);
    slot = make_storage(
        torch::empty({0}, torch::TensorOptions().dtype(ref.dtype)).set_(bytes, 0, {ref.numel}, {1}));
    return slot;
  };
  try {
    auto [pickle, size] = reader->getRecord("data.pkl");
    RestrictedUnpickler unpickler(static_cast<const char*>(pickle.get()), size, path, load_storage);
    return unpickler.load();
  } catch (const c10::Error& e) {
    throw InputError(fmt::format("{}: corrupt PyTorch zip checkpoint: {}", path, e.what_without_backtrace()));
  }
}

// Legacy stream: magic, protocol version, sys info, the object (storages as persistent ids), the
// list of storage keys, then each storage as int64 element count + raw little-endian data.
PickleValue read_legacy_file(const std::string& path, const std::string& bytes) {
  // Storages are allocated when the pickle names them, before their data: together they must fit
  // in the file, which holds that data after the pickles.
  std::map<std::string, torch::Tensor> storages;
  uint64_t storage_bytes = 0;
  auto load_storage = [&](const PickleValue& pid) -> PickleValue {
    const StorageRef ref = parse_storage_id(pid, path);
    auto& slot = storages[ref.key];
    if (!slot.defined()) {
      const uint64_t element_size = c10::elementSize(ref.dtype);
      const uint64_t room = bytes.size() - storage_bytes;
      if (ref.numel < 0 || static_cast<uint64_t>(ref.numel) > room / element_size) {
        throw InputError(
            fmt::format("{}: tensor storage '{}' claims {} elements of {} bytes, more than the "
                        "{}-byte file holds",
                        path, ref.key, ref.numel, element_size, bytes.size()));
      }
      storage_bytes += static_cast<uint64_t>(ref.numel) * element_size;
      slot = torch::empty({ref.numel}, torch::TensorOptions().dtype(ref.dtype));
    }
    return make_storage(slot);
  };
  RestrictedUnpickler unpickler(bytes.data(), bytes.size(), path, load_storage);
  const auto magic = unpickler.load();
  if (magic->kind != Kind::BigInt || magic->text != std::string(kLegacyMagic, 10)) {
    throw InputError(fmt::format("{}: not a PyTorch checkpoint (bad magic number)", path));
  }
  const auto protocol = unpickler.load();
  if (protocol->kind != Kind::Int || protocol->integer != kLegacyProtocolVersion) {
    throw InputError(fmt::format("{}: unsupported legacy PyTorch protocol version", path));
  }
  const auto sys_info = unpickler.load();
  const auto little_endian = sys_info->kind == Kind::Dict ? sys_info->find("little_endian") : nullptr;
  if (little_endian && little_endian->kind == Kind::Bool && !little_endian->boolean) {
    throw InputError(fmt::format("{}: big-endian legacy checkpoints are not supported", path));
  }
  auto result = unpickler.load();
  const auto keys = unpickler.load();
  if (keys->kind != Kind::List)
    throw InputError(fmt::format("{}: corrupt legacy checkpoint (no storage list)", path));
  size_t position = unpickler.position();
  for (const auto& key : keys->items) {
    auto found = key->is_string() ? storages.find(key->text) : storages.end();
    if (found == storages.end())
      throw InputError(fmt::format("{}: corrupt legacy checkpoint (unknown storage)", path));
    auto& storage = found->second;
    int64_t count = 0;
    const size_t bytes_needed = static_cast<size_t>(storage.nbytes());
    if (bytes.size() - position < sizeof count + bytes_needed) {
      throw InputError(fmt::format("{}: legacy checkpoint ends inside tensor data (truncated file?)", path));
    }
    std::memcpy(&count, bytes.data() + position, sizeof count);
    if (count != storage.numel()) {
      throw InputError(
          fmt::format("{}: corrupt legacy checkpoint (storage '{}' has {} elements, expected {})", path,
                      key->text, count, storage.numel()));
    }
    position += sizeof count;
    if (bytes_needed) std::memcpy(storage.data_ptr(), bytes.data() + position, bytes_needed);
    position += bytes_needed;
  }
  return result;
}

}  // namespace

PickleValue read_torch_file(const std::string& path) {
  std::string head;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot open the checkpoint file", path));
    head.resize(4);
    in.read(head.data(), 4);
    head.resize(static_cast<size_t>(in.gcount()));
  }
  if (head == std::string("PK\x03\x04", 4)) return read_zip_file(path);
  if (head.size() == 4 && static_cast<uint8_t>(head[0]) == 0x80 && head[2] == '\x8a') {
    return read_legacy_file(path, read_file_bytes(path, "checkpoint file"));
  }
  if (head.empty()) throw InputError(fmt::format("{}: empty file, not a PyTorch checkpoint", path));
  throw InputError(fmt::format(
      "{}: not a PyTorch checkpoint (neither torch.save's zip format nor its legacy format)", path));
}

}  // namespace oml
