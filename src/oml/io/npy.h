#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace oml {

// Row-major float32 matrix [rows, cols]: embeddings and other plain numeric tables.
struct Matrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> values;  // rows * cols

  float* row(int64_t r) { return values.data() + r * cols; }
  const float* row(int64_t r) const { return values.data() + r * cols; }
};

// Reads a 2-D C-order .npy of float32/float16/float64 (converted to float32). Throws InputError
// naming the file for anything else (wrong dtype, Fortran order, 1-D/3-D, truncated data).
Matrix read_npy(const std::string& path);

// Writes float32 C-order .npy atomically (temporary file + rename).
void write_npy(const std::string& path, const Matrix& matrix);

}  // namespace oml
