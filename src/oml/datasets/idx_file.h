#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace oml::datasets {

// An IDX array (the MNIST file format) of unsigned bytes: big-endian header, then the values.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;  // product(dims) bytes, row-major
};

// Reads an IDX file of type 0x08 (unsigned byte), plain or gzip-compressed (detected from the
// content). Throws InputError naming the file and the problem (bad magic, other element type,
// truncated or over-long data).
IdxArray read_idx_file(const std::string& path);

// Same, from bytes already in memory (decompressed); `name` is used in messages.
IdxArray parse_idx(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace oml::datasets
