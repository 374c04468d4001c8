#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <cerrno>
#include <map>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/models/torch_file.h"

namespace oml {
namespace {

// Emits the pickle opcodes torch.save (protocol 2) uses for an OrderedDict of tensors. No memo
// is needed: every object is written once, and Python's unpickler accepts memo-free streams.
class PickleWriter {
 public:
  std::string& bytes() { return out_; }

  void proto() { out_ += "\x80\x02"; }
  void mark() { out_ += '('; }
  void stop() { out_ += '.'; }
  void global(const std::string& module, const std::string& name) {
    out_ += "c" + module + "\n" + name + "\n";
  }
  void reduce() { out_ += 'R'; }
  void empty_tuple() { out_ += ')'; }
  void tuple_from_mark() { out_ += 't'; }
  void setitems() { out_ += 'u'; }
  void persistent_id() { out_ += 'Q'; }
  void boolean(bool value) { out_ += value ? '\x88' : '\x89'; }

  void string(const std::string& text) {
    out_ += 'X';
    append_le(text.size(), 4);
    out_ += text;
  }

  void integer(int64_t value) {
    if (value >= INT32_MIN && value <= INT32_MAX) {
      out_ += 'J';
      append_le(static_cast<uint32_t>(static_cast<int32_t>(value)), 4);
    } else {
      out_ += "\x8a\x08";  // LONG1 with 8 bytes, two's complement
      append_le(static_cast<uint64_t>(value), 8);
    }
  }

  void int_tuple(const std::vector<int64_t>& values) {
    if (values.empty()) return empty_tuple();
    mark();
    for (int64_t v : values) integer(v);
    tuple_from_mark();
  }

  void empty_ordered_dict() {
    global("collections", "OrderedDict");
    empty_tuple();
    reduce();
  }

 private:
  void append_le(uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out_ += static_cast<char>((value >> (8 * i)) & 0xff);
  }

  std::string out_;
};

std::string storage_class(torch::ScalarType dtype) {
  static const std::map<torch::ScalarType, std::string> names = {
      {torch::kFloat32, "FloatStorage"}, {torch::kFloat64, "DoubleStorage"},
      {torch::kFloat16, "HalfStorage"},  {torch::kBFloat16, "BFloat16Storage"},
      {torch::kInt64, "LongStorage"},    {torch::kInt32, "IntStorage"},
      {torch::kInt16, "ShortStorage"},   {torch::kInt8, "CharStorage"},
      {torch::kUInt8, "ByteStorage"},    {torch::kBool, "BoolStorage"},
  };
  auto found = names.find(dtype);
  if (found == names.end())
    throw std::runtime_error(std::string("cannot save tensors of dtype ") + c10::toString(dtype));
  return found->second;
}

}  // namespace

void write_torch_file(const std::string& path, const NamedTensors& tensors) {
  std::vector<torch::Tensor> storages;
  PickleWriter pickle;
  pickle.proto();
  pickle.empty_ordered_dict();
  pickle.mark();
  for (const auto& [key, value] : tensors) {
    const auto tensor = value.detach().to(torch::kCPU).contiguous();
    const std::string storage_key = std::to_string(storages.size());
    storages.push_back(tensor);
    pickle.string(key);
    pickle.global("torch._utils", "_rebuild_tensor_v2");
    pickle.mark();
    {
      pickle.mark();  // persistent id ('storage', type, key, location, numel)
      pickle.string("storage");
      pickle.global("torch", storage_class(tensor.scalar_type()));
      pickle.string(storage_key);
      pickle.string("cpu");
      pickle.integer(tensor.numel());
      pickle.tuple_from_mark();
      pickle.persistent_id();
      pickle.integer(0);  // storage offset
      pickle.int_tuple(tensor.sizes().vec());
      pickle.int_tuple(tensor.strides().vec());
      pickle.boolean(false);        // requires_grad
      pickle.empty_ordered_dict();  // backward hooks
    }
    pickle.tuple_from_mark();
    pickle.reduce();
  }
  pickle.setitems();
  pickle.stop();

  write_file_atomically(path, [&](std::ostream& out) {
    int write_errno = 0;  // the failed write()'s reason, before libtorch's error handling runs
    try {
      caffe2::serialize::PyTorchStreamWriter writer(
          [&out, &write_errno](const void* data, size_t size) -> size_t {
            out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
            if (!out && !write_errno) write_errno = errno;
            return out ? size : 0;
          });
      writer.writeRecord("data.pkl", pickle.bytes().data(), pickle.bytes().size());
      const std::string byteorder = "little";  // PyTorch >= 2.0 reads it; older versions ignore it
      writer.writeRecord("byteorder", byteorder.data(), byteorder.size());
      for (size_t i = 0; i < storages.size(); ++i) {
        writer.writeRecord("data/" + std::to_string(i), storages[i].data_ptr(), storages[i].nbytes());
      }
      writer.writeEndOfFile();
    } catch (const c10::Error& e) {
      errno = write_errno;
      throw_write_error(path, e.what_without_backtrace());
    }
    if (!out) throw_write_error(path);
  });
}

}  // namespace oml
