// .npy reading (io/npy): headers, dtypes, shapes and data sizes come from the file.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "oml/common/errors.h"
#include "oml/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = oml::fuzz::write_scratch_file("e.npy", data, size);
  try {
    const oml::Matrix matrix = oml::read_npy(path);
    if (static_cast<int64_t>(matrix.values.size()) != matrix.rows * matrix.cols) __builtin_trap();
  } catch (const oml::InputError&) {
  }
  return 0;
}
