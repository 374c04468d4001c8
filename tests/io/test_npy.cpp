#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "oml/common/errors.h"
#include "oml/io/npy.h"

namespace {

const std::string kFixtures = std::string(OML_SOURCE_DIR) + "/tests/fixtures/npy/";

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("oml_test_npy_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Message of the InputError that `read_npy(path)` throws; fails the test if none is thrown.
std::string read_error(const std::string& path) {
  try {
    oml::read_npy(path);
  } catch (const oml::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for " << path;
  return {};
}

void expect_base_values(const oml::Matrix& m) {
  ASSERT_EQ(m.rows, 2);
  ASSERT_EQ(m.cols, 3);
  const float expected[] = {1.0f, -2.5f, 0.0f, 0.125f, 1024.0f, -0.75f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(m.values[i], expected[i]) << "index " << i;
  EXPECT_EQ(m.row(1)[1], 1024.0f);
}

TEST(Npy, ReadsNumpyFloat32) { expect_base_values(oml::read_npy(kFixtures + "f4_2x3.npy")); }
TEST(Npy, ReadsNumpyFloat16) { expect_base_values(oml::read_npy(kFixtures + "f2_2x3.npy")); }
TEST(Npy, ReadsNumpyFloat64) { expect_base_values(oml::read_npy(kFixtures + "f8_2x3.npy")); }
TEST(Npy, ReadsVersion2Header) { expect_base_values(oml::read_npy(kFixtures + "f4_v2_2x3.npy")); }

TEST(Npy, Float64RoundsToNearestFloat32) {
  const oml::Matrix m = oml::read_npy(kFixtures + "f8_tenth.npy");
  ASSERT_EQ(m.values.size(), 2u);
  uint32_t bits = 0;
  std::memcpy(&bits, &m.values[0], 4);
  EXPECT_EQ(bits, 0x3DCCCCCDu);  // float32(0.1)
  EXPECT_EQ(m.values[1], static_cast<float>(1.0 / 3.0));
}

TEST(Npy, Float16SubnormalMaxAndInfinity) {
  const oml::Matrix m = oml::read_npy(kFixtures + "f2_specials.npy");
  ASSERT_EQ(m.values.size(), 3u);
  EXPECT_EQ(m.values[0], std::ldexp(1.0f, -24));
  EXPECT_EQ(m.values[1], 65504.0f);
  EXPECT_EQ(m.values[2], std::numeric_limits<float>::infinity());
}

TEST(Npy, ReadsEmptyMatrix) {
  const oml::Matrix m = oml::read_npy(kFixtures + "f4_0x4.npy");
  EXPECT_EQ(m.rows, 0);
  EXPECT_EQ(m.cols, 4);
  EXPECT_TRUE(m.values.empty());
}

TEST(Npy, RejectsFortranOrder) {
  const std::string message = read_error(kFixtures + "fortran_2x3.npy");
  EXPECT_NE(message.find("fortran_2x3.npy: Fortran-order arrays are not supported"), std::string::npos)
      << message;
}

TEST(Npy, RejectsOneDimensionalArray) {
  const std::string message = read_error(kFixtures + "f4_1d.npy");
  EXPECT_NE(message.find("f4_1d.npy: expected a 2-D array [rows, dim], got shape (3,)"), std::string::npos)
      << message;
}

TEST(Npy, RejectsIntegerDtypeNamingIt) {
  const std::string message = read_error(kFixtures + "i8_2x3.npy");
  EXPECT_NE(message.find("i8_2x3.npy: unsupported dtype '<i8'"), std::string::npos) << message;
}

TEST(Npy, RejectsBigEndian) {
  const std::string message = read_error(kFixtures + "f4_big_endian.npy");
  EXPECT_NE(message.find("unsupported dtype '>f4'"), std::string::npos) << message;
}

TEST(Npy, RejectsTruncatedData) {
  const std::string message = read_error(kFixtures + "f4_truncated.npy");
  EXPECT_NE(message.find("f4_truncated.npy: truncated data: shape (2, 3) needs 24 bytes, the file has 20"),
            std::string::npos)
      << message;
}

TEST(Npy, RejectsNonNpyAndMissingFiles) {
  const auto dir = scratch_dir("garbage");
  const std::string csv = (dir / "not.npy").string();
  std::ofstream(csv) << "label,path\n1,a.jpg\n";
  EXPECT_NE(read_error(csv).find("not.npy: not a NumPy .npy file"), std::string::npos);
  const std::string empty = (dir / "empty.npy").string();
  std::ofstream{empty};
  EXPECT_NE(read_error(empty).find("empty.npy: not a NumPy .npy file"), std::string::npos);
  EXPECT_NE(read_error((dir / "absent.npy").string()).find("absent.npy: file not found"), std::string::npos);
}

TEST(Npy, DamagedHeaderWithHugeShapeIsAnErrorNotAnAllocation) {
  const auto dir = scratch_dir("huge");
  std::string bytes = read_bytes(kFixtures + "f4_2x3.npy");
  const std::string from = "(2, 3)";
  bytes.replace(bytes.find(from), from.size(), "(999999999999, 999999999)");
  const std::string path = (dir / "huge.npy").string();
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_NE(read_error(path).find("huge.npy: truncated data"), std::string::npos);
}

TEST(Npy, RejectsHeaderCutShortNamingTheFile) {
  const auto dir = scratch_dir("short_header");
  const std::string bytes = read_bytes(kFixtures + "f4_2x3.npy");
  const std::string path = (dir / "short.npy").string();
  std::ofstream(path, std::ios::binary) << bytes.substr(0, 40);  // magic + length, half the dict
  EXPECT_NE(read_error(path).find("short.npy: truncated .npy header"), std::string::npos);
  std::ofstream(path, std::ios::binary) << bytes.substr(0, 8);  // magic + version only
  EXPECT_NE(read_error(path).find("short.npy: "), std::string::npos);
}

// Float16 data is converted in slices of 2^20 items: a matrix spanning two slices must come back
// in order, the last item included.
TEST(Npy, ReadsFloat16LargerThanOneConversionSlice) {
  const auto dir = scratch_dir("f2_large");
  const int64_t rows = 1100;
  const int64_t cols = 1000;
  std::string header = "{'descr': '<f2', 'fortran_order': False, 'shape': (1100, 1000), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  for (int64_t i = 0; i < rows * cols; ++i) {
    const uint16_t half = i == rows * cols - 1 ? 0x7c00 : (i % 2 == 0 ? 0x3c00 : 0xc000);  // inf, 1, -2
    bytes += static_cast<char>(half & 0xff);
    bytes += static_cast<char>(half >> 8);
  }
  const std::string path = (dir / "large.npy").string();
  std::ofstream(path, std::ios::binary) << bytes;
  const oml::Matrix m = oml::read_npy(path);
  ASSERT_EQ(m.rows, rows);
  ASSERT_EQ(m.cols, cols);
  int64_t wrong = 0;
  for (int64_t i = 0; i + 1 < rows * cols; ++i) wrong += m.values[i] != (i % 2 == 0 ? 1.0f : -2.0f);
  EXPECT_EQ(wrong, 0);
  EXPECT_TRUE(std::isinf(m.values.back()));
}

TEST(Npy, WriteIsByteIdenticalToNumpySave) {
  const auto dir = scratch_dir("write");
  oml::Matrix m;
  m.rows = 2;
  m.cols = 3;
  m.values = {1.0f, -2.5f, 0.0f, 0.125f, 1024.0f, -0.75f};
  const std::string path = (dir / "ours.npy").string();
  oml::write_npy(path, m);
  EXPECT_EQ(read_bytes(path), read_bytes(kFixtures + "f4_2x3.npy"));
  // Round trip.
  const oml::Matrix back = oml::read_npy(path);
  EXPECT_EQ(back.rows, 2);
  EXPECT_EQ(back.cols, 3);
  EXPECT_EQ(back.values, m.values);
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1) << "the temporary file of the atomic write was left behind";
}

TEST(Npy, HeaderIsAlignedTo64BytesForAnyShape) {
  const auto dir = scratch_dir("align");
  for (int64_t rows : {0, 1, 7, 12345, 1234567890}) {
    oml::Matrix m;
    m.rows = rows > 100 ? 1 : rows;  // shape text length varies through cols too
    m.cols = rows > 100 ? rows % 1000 + 1 : 5;
    m.values.assign(static_cast<size_t>(m.rows * m.cols), 0.5f);
    const std::string path = (dir / "a.npy").string();
    oml::write_npy(path, m);
    const std::string bytes = read_bytes(path);
    const size_t header_length =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    EXPECT_EQ((10 + header_length) % 64, 0u);
    EXPECT_EQ(bytes[10 + header_length - 1], '\n');
    EXPECT_EQ(bytes.size(), 10 + header_length + m.values.size() * 4);
  }
}

TEST(Npy, NumpyReadsOurFile) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  }
  const auto dir = scratch_dir("numpy");
  oml::Matrix m;
  m.rows = 3;
  m.cols = 2;
  m.values = {0.5f, -1.0f, 3.25f, 1e-3f, 7.0f, -0.0f};
  const std::string path = (dir / "ours.npy").string();
  oml::write_npy(path, m);
  const std::string check =
      "/usr/bin/python3 -c \"import numpy as np, sys; a = np.load(sys.argv[1]); "
      "assert a.dtype == np.float32 and a.shape == (3, 2) and a.flags.c_contiguous; "
      "assert (a == np.array([[0.5, -1.0], [3.25, np.float32(1e-3)], [7.0, 0.0]], "
      "dtype=np.float32)).all()\" " +
      path;
  EXPECT_EQ(std::system(check.c_str()), 0);
}

}  // namespace
