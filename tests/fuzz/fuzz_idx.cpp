// IDX files (datasets/idx_file, the MNIST format), plain or gzip-compressed.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "oml/common/errors.h"
#include "oml/datasets/idx_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = oml::fuzz::write_scratch_file("data.idx", data, size);
  try {
    const oml::datasets::IdxArray array = oml::datasets::read_idx_file(path);
    int64_t count = 1;
    for (const int64_t dim : array.dims) count *= dim;
    if (static_cast<int64_t>(array.values.size()) != count) __builtin_trap();
  } catch (const oml::InputError&) {
  }
  return 0;
}
