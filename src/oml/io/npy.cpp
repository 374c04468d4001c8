#include "oml/io/npy.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/common/file_bytes.h"

// Format facts (NumPy's NEP 1 / numpy.lib.format): magic "\x93NUMPY", major and minor version
// bytes, a little-endian header length (uint16 in v1.0, uint32 in v2.0/v3.0), then an ASCII
// Python-dict header {'descr': ..., 'fortran_order': ..., 'shape': (...), } ending in '\n'.
namespace oml {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLength = 6;
constexpr size_t kArrayAlign = 64;
// NumPy >= 1.23 leaves room in the header so the first axis can grow to 21 digits in place.
constexpr size_t kGrowthAxisMaxDigits = 21;

enum class Dtype { kFloat16, kFloat32, kFloat64 };

struct NpyHeader {
  Dtype dtype = Dtype::kFloat32;
  size_t item_size = 4;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t data_offset = 0;
};

uint32_t read_le(const unsigned char* bytes, int count) {
  uint32_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

// Returns the text of the value that follows `'key':` (or `"key":`) in the header dict, up to the
// next top-level comma or closing brace.
std::string_view header_value(std::string_view header, std::string_view key) {
  for (char quote : {'\'', '"'}) {
    const std::string needle = std::string(1, quote) + std::string(key) + quote;
    size_t pos = header.find(needle);
    if (pos == std::string_view::npos) continue;
    pos = header.find(':', pos + needle.size());
    if (pos == std::string_view::npos) return {};
    ++pos;
    while (pos < header.size() && header[pos] == ' ') ++pos;
    size_t end = pos;
    int depth = 0;
    while (end < header.size()) {
      const char c = header[end];
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (depth == 0 && (c == ',' || c == '}')) break;
      if (depth < 0) break;
      ++end;
    }
    while (end > pos && header[end - 1] == ' ') --end;
    return header.substr(pos, end - pos);
  }
  return {};
}

std::string strip_quotes(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"') && text.back() == text.front()) {
    return std::string(text.substr(1, text.size() - 2));
  }
  return std::string(text);
}

// Parses "(3, 4)" / "(3,)" / "()" into dimensions; false if the text is not a tuple of integers.
bool parse_shape(std::string_view text, std::vector<int64_t>& dims) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return false;
  text = text.substr(1, text.size() - 2);
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos == text.size()) break;
    int64_t value = 0;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) return false;
      value = value * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (pos < text.size() && text[pos] == 'L') ++pos;  // Python 2 longs
    if (digits == 0) return false;
    dims.push_back(value);
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos < text.size() && text[pos] != ',') return false;
    ++pos;
  }
  return true;
}

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string text = "(";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(dims[i]);
  }
  if (dims.size() == 1) text += ",";
  return text + ")";
}

NpyHeader parse_header(const std::string& path, const std::string& bytes) {
  if (bytes.size() < kMagicLength + 4 || bytes.compare(0, kMagicLength, kMagic, kMagicLength) != 0) {
    throw InputError(path + ": not a NumPy .npy file (missing the \\x93NUMPY magic)");
  }
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes.data());
  const int major = raw[kMagicLength];
  size_t length_bytes = 0;
  if (major == 1) {
    length_bytes = 2;
  } else if (major == 2 || major == 3) {
    length_bytes = 4;
  } else {
    throw InputError(path + ": unsupported .npy format version " + std::to_string(major) + "." +
                     std::to_string(raw[kMagicLength + 1]));
  }
  const size_t prefix = kMagicLength + 2 + length_bytes;
  if (bytes.size() < prefix) throw InputError(path + ": truncated .npy header");
  const size_t header_length = read_le(raw + kMagicLength + 2, static_cast<int>(length_bytes));
  if (bytes.size() < prefix + header_length) throw InputError(path + ": truncated .npy header");
  const std::string_view header(bytes.data() + prefix, header_length);

  NpyHeader result;
  result.data_offset = prefix + header_length;
  const std::string descr = strip_quotes(header_value(header, "descr"));
  if (descr == "<f4" || descr == "=f4") {
    result.dtype = Dtype::kFloat32;
    result.item_size = 4;
  } else if (descr == "<f2" || descr == "=f2") {
    result.dtype = Dtype::kFloat16;
    result.item_size = 2;
  } else if (descr == "<f8" || descr == "=f8") {
    result.dtype = Dtype::kFloat64;
    result.item_size = 8;
  } else {
    throw InputError(path + ": unsupported dtype '" + descr +
                     "' (expected little-endian float32 '<f4', float16 '<f2' or float64 '<f8')");
  }
  const std::string_view fortran = header_value(header, "fortran_order");
  if (fortran == "True") {
    throw InputError(path +
                     ": Fortran-order arrays are not supported; save a C-order array "
                     "(numpy.ascontiguousarray)");
  }
  if (fortran != "False") throw InputError(path + ": malformed .npy header (fortran_order)");
  std::vector<int64_t> dims;
  if (!parse_shape(header_value(header, "shape"), dims)) {
    throw InputError(path + ": malformed .npy header (shape)");
  }
  if (dims.size() != 2) {
    throw InputError(path + ": expected a 2-D array [rows, dim], got shape " + shape_text(dims));
  }
  result.rows = dims[0];
  result.cols = dims[1];
  return result;
}

float half_to_float(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half >> 15) << 31;
  const uint32_t exponent = (half >> 10) & 0x1f;
  uint32_t mantissa = half & 0x3ff;
  uint32_t bits = 0;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // inf / NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: normalise the mantissa into a float32 normal number (exact).
    int shift = 0;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    mantissa &= 0x3ff;
    bits = sign | (static_cast<uint32_t>(127 - 15 + 1 - shift) << 23) | (mantissa << 13);
  }
  float value = 0;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

// Reads the magic, version, length and header dict (not the data): enough for parse_header.
std::string read_header_bytes(BinaryFile& file) {
  const size_t longest_prefix = kMagicLength + 2 + 4;
  std::string bytes(static_cast<size_t>(std::min<uint64_t>(file.size(), longest_prefix)), '\0');
  file.read_exactly(bytes.data(), bytes.size());
  if (bytes.size() < longest_prefix || bytes.compare(0, kMagicLength, kMagic, kMagicLength) != 0)
    return bytes;
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes.data());
  const int length_bytes = raw[kMagicLength] == 1 ? 2 : 4;
  const uint64_t needed = kMagicLength + 2 + length_bytes + read_le(raw + kMagicLength + 2, length_bytes);
  if (needed > bytes.size()) {
    const size_t have = bytes.size();
    bytes.resize(static_cast<size_t>(std::min(needed, file.size())));
    file.read_exactly(bytes.data() + have, bytes.size() - have);
  }
  return bytes;
}

// Converts float16/float64 data in slices so the file's bytes are never held whole.
template <typename Convert>
void read_converted(BinaryFile& file, size_t item_size, std::vector<float>& values, Convert convert) {
  constexpr size_t kSliceItems = size_t{1} << 20;
  std::vector<char> slice(kSliceItems * item_size);
  for (size_t begin = 0; begin < values.size(); begin += kSliceItems) {
    const size_t count = std::min(kSliceItems, values.size() - begin);
    file.read_exactly(slice.data(), count * item_size);
    for (size_t i = 0; i < count; ++i) values[begin + i] = convert(slice.data() + i * item_size);
  }
}

// InputError unless the file holds all rows × cols items the header promises.
void check_data_size(const std::string& path, const NpyHeader& header, uint64_t file_size) {
  const uint64_t available = file_size - std::min<uint64_t>(file_size, header.data_offset);
  // Compare in elements first so absurd shapes in a damaged header cannot overflow or allocate.
  const auto available_items = static_cast<uint64_t>(available / header.item_size);
  const auto rows = static_cast<uint64_t>(header.rows);
  const auto cols = static_cast<uint64_t>(header.cols);
  if (cols != 0 && rows > available_items / cols) {
    const bool representable = rows <= std::numeric_limits<uint64_t>::max() / cols / header.item_size;
    const std::string needed =
        representable ? std::to_string(rows * cols * header.item_size) : std::string("more than 2^64");
    throw InputError(path + ": truncated data: shape (" + std::to_string(rows) + ", " + std::to_string(cols) +
                     ") needs " + needed + " bytes, the file has " + std::to_string(available));
  }
}

}  // namespace

Matrix read_npy(const std::string& path) {
  BinaryFile file(path, ".npy file");
  const NpyHeader header = parse_header(path, read_header_bytes(file));
  check_data_size(path, header, file.size());
  const auto rows = static_cast<uint64_t>(header.rows);
  const auto cols = static_cast<uint64_t>(header.cols);
  Matrix matrix;
  matrix.rows = header.rows;
  matrix.cols = header.cols;
  matrix.values.resize(rows * cols);
  file.seek(header.data_offset);
  switch (header.dtype) {
    case Dtype::kFloat32:
      file.read_exactly(matrix.values.data(), matrix.values.size() * sizeof(float));
      break;
    case Dtype::kFloat16:
      read_converted(file, 2, matrix.values, [](const char* item) {
        uint16_t half = 0;
        std::memcpy(&half, item, 2);
        return half_to_float(half);
      });
      break;
    case Dtype::kFloat64:
      read_converted(file, 8, matrix.values, [](const char* item) {
        double value = 0;
        std::memcpy(&value, item, 8);
        return static_cast<float>(value);
      });
      break;
  }
  return matrix;
}

void write_npy(const std::string& path, const Matrix& matrix) {
  if (matrix.rows < 0 || matrix.cols < 0 ||
      matrix.values.size() != static_cast<size_t>(matrix.rows) * static_cast<size_t>(matrix.cols)) {
    throw std::invalid_argument("write_npy: matrix shape does not match its values");
  }
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(matrix.rows) +
                     ", " + std::to_string(matrix.cols) + "), }";
  // Same layout as numpy.save (1.24): growth room for the first axis, then spaces and '\n' so the
  // data starts on a 64-byte boundary (a full 64 when already aligned, as NumPy does).
  const size_t row_digits = std::to_string(matrix.rows).size();
  if (row_digits < kGrowthAxisMaxDigits) dict.append(kGrowthAxisMaxDigits - row_digits, ' ');
  const size_t unpadded = kMagicLength + 2 + 2 + dict.size() + 1;
  dict.append(kArrayAlign - unpadded % kArrayAlign, ' ');
  dict += '\n';
  const auto header_length = static_cast<uint16_t>(dict.size());
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(kMagic, kMagicLength);
    const char version[2] = {1, 0};
    out.write(version, 2);
    const char length[2] = {static_cast<char>(header_length & 0xff), static_cast<char>(header_length >> 8)};
    out.write(length, 2);
    out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
    out.write(reinterpret_cast<const char*>(matrix.values.data()),
              static_cast<std::streamsize>(matrix.values.size() * sizeof(float)));
  });
}

struct NpyRowReader::State {
  std::string path;
  BinaryFile file;
  NpyHeader header;

  explicit State(const std::string& p) : path(p), file(p, ".npy file") {
    header = parse_header(path, read_header_bytes(file));
    check_data_size(path, header, file.size());
  }

  // `count` consecutive rows from `first` into `out`, converted to float32.
  void read_run(int64_t first, int64_t count, float* out) {
    const auto cols = static_cast<uint64_t>(header.cols);
    const uint64_t items = static_cast<uint64_t>(count) * cols;
    file.seek(header.data_offset + static_cast<uint64_t>(first) * cols * header.item_size);
    if (header.dtype == Dtype::kFloat32) {
      file.read_exactly(out, items * sizeof(float));
      return;
    }
    std::vector<char> bytes(static_cast<size_t>(items * header.item_size));
    file.read_exactly(bytes.data(), bytes.size());
    for (uint64_t i = 0; i < items; ++i) {
      const char* item = bytes.data() + i * header.item_size;
      if (header.dtype == Dtype::kFloat16) {
        uint16_t half = 0;
        std::memcpy(&half, item, 2);
        out[i] = half_to_float(half);
      } else {
        double value = 0;
        std::memcpy(&value, item, 8);
        out[i] = static_cast<float>(value);
      }
    }
  }
};

NpyRowReader::NpyRowReader(const std::string& path) : state_(std::make_unique<State>(path)) {}
NpyRowReader::~NpyRowReader() = default;

int64_t NpyRowReader::rows() const { return state_->header.rows; }
int64_t NpyRowReader::cols() const { return state_->header.cols; }

Matrix NpyRowReader::read_range(int64_t begin, int64_t end) {
  if (begin < 0 || end < begin || end > rows()) {
    throw InputError(state_->path + ": rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") outside the array's " + std::to_string(rows()) + " rows");
  }
  Matrix matrix;
  matrix.rows = end - begin;
  matrix.cols = cols();
  matrix.values.resize(static_cast<size_t>(matrix.rows * matrix.cols));
  if (matrix.rows > 0 && matrix.cols > 0) state_->read_run(begin, matrix.rows, matrix.values.data());
  return matrix;
}

Matrix NpyRowReader::read_rows(const std::vector<int64_t>& wanted) {
  for (int64_t r : wanted) {
    if (r < 0 || r >= rows()) {
      throw InputError(state_->path + ": row " + std::to_string(r) + " outside the array's " +
                       std::to_string(rows()) + " rows");
    }
  }
  Matrix matrix;
  matrix.rows = static_cast<int64_t>(wanted.size());
  matrix.cols = cols();
  matrix.values.resize(static_cast<size_t>(matrix.rows * matrix.cols));
  if (matrix.cols == 0) return matrix;
  // One seek + read per run of consecutive file rows.
  size_t start = 0;
  while (start < wanted.size()) {
    size_t end = start + 1;
    while (end < wanted.size() && wanted[end] == wanted[end - 1] + 1) ++end;
    state_->read_run(wanted[start], static_cast<int64_t>(end - start),
                     matrix.row(static_cast<int64_t>(start)));
    start = end;
  }
  return matrix;
}

}  // namespace oml
