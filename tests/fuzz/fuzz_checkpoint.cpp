// Checkpoint loading (models/torch_file_reader, unpickler, checkpoint): the zip records (read by
// libtorch's PyTorchStreamReader), the legacy stream format and the restricted unpickler, up to
// the state dict OML's loaders take.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "oml/common/errors.h"
#include "oml/models/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = oml::fuzz::write_scratch_file("model.pth", data, size);
  try {
    const oml::NamedTensors state = oml::read_state_dict(path);
    for (const auto& [key, tensor] : state) {
      if (!tensor.defined()) __builtin_trap();
      (void)tensor.numel();
    }
    if (!state.empty()) (void)oml::strip_key_prefix(state, "norm.bias", path);
  } catch (const oml::InputError&) {
  }
  return 0;
}
