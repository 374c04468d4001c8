#pragma once
#include <cstdint>
#include <memory>
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

// Reads chosen rows of a .npy without loading the rest (seek + read per run of consecutive rows):
// a rank's gallery shard of a file larger than its memory. Same header validation and truncation
// check as read_npy, done once on opening; float16/float64 are converted to float32.
class NpyRowReader {
 public:
  explicit NpyRowReader(const std::string& path);
  ~NpyRowReader();
  NpyRowReader(const NpyRowReader&) = delete;
  NpyRowReader& operator=(const NpyRowReader&) = delete;

  int64_t rows() const;
  int64_t cols() const;
  // Rows [begin, end); InputError naming the file when outside [0, rows()].
  Matrix read_range(int64_t begin, int64_t end);
  // Rows `rows` in the order given (any order, repeats allowed); InputError naming the file and
  // the first row outside [0, rows()).
  Matrix read_rows(const std::vector<int64_t>& rows);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace oml
