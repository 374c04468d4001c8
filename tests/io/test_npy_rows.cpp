// NpyRowReader: chosen rows of a .npy equal the same rows of read_npy, for every stored dtype,
// with the same header validation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "oml/common/errors.h"
#include "oml/io/npy.h"

namespace {

using ::testing::HasSubstr;

const std::string kFixtures = std::string(OML_SOURCE_DIR) + "/tests/fixtures/npy/";

std::vector<float> row_values(const oml::Matrix& m, int64_t r) { return {m.row(r), m.row(r) + m.cols}; }

TEST(NpyRowReader, RowsEqualTheWholeFileReadForEveryDtype) {
  for (const char* name : {"f4_2x3.npy", "f2_2x3.npy", "f8_2x3.npy", "f4_v2_2x3.npy"}) {
    const oml::Matrix whole = oml::read_npy(kFixtures + name);
    oml::NpyRowReader reader(kFixtures + name);
    ASSERT_EQ(reader.rows(), whole.rows) << name;
    ASSERT_EQ(reader.cols(), whole.cols) << name;
    const oml::Matrix range = reader.read_range(1, 2);
    ASSERT_EQ(range.rows, 1);
    EXPECT_EQ(row_values(range, 0), row_values(whole, 1)) << name;
    const oml::Matrix picked = reader.read_rows({1, 0, 1});
    ASSERT_EQ(picked.rows, 3);
    EXPECT_EQ(row_values(picked, 0), row_values(whole, 1)) << name;
    EXPECT_EQ(row_values(picked, 1), row_values(whole, 0)) << name;
    EXPECT_EQ(row_values(picked, 2), row_values(whole, 1)) << name;
    EXPECT_EQ(reader.read_range(0, 2).values, whole.values) << name;
  }
}

TEST(NpyRowReader, ConsecutiveRunsOfALargerFile) {
  const auto path = (std::filesystem::temp_directory_path() / "oml_test_npy_rows.npy").string();
  oml::Matrix m;
  m.rows = 50;
  m.cols = 3;
  for (int i = 0; i < 150; ++i) m.values.push_back(static_cast<float>(i) * 0.5f);
  oml::write_npy(path, m);
  oml::NpyRowReader reader(path);
  const std::vector<int64_t> rows = {3, 4, 5, 9, 10, 49, 0};
  const oml::Matrix picked = reader.read_rows(rows);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(row_values(picked, static_cast<int64_t>(i)), row_values(m, rows[i])) << "row " << rows[i];
  }
  std::filesystem::remove(path);
}

TEST(NpyRowReader, RejectsWhatReadNpyRejectsAndRowsOutsideTheArray) {
  for (const char* name :
       {"f4_truncated.npy", "fortran_2x3.npy", "i8_2x3.npy", "f4_1d.npy", "f4_big_endian.npy"}) {
    std::string whole_error, reader_error;
    try {
      oml::read_npy(kFixtures + name);
    } catch (const oml::InputError& e) {
      whole_error = e.what();
    }
    try {
      oml::NpyRowReader reader(kFixtures + name);
    } catch (const oml::InputError& e) {
      reader_error = e.what();
    }
    EXPECT_FALSE(reader_error.empty()) << name;
    EXPECT_EQ(reader_error, whole_error) << name;
  }
  oml::NpyRowReader reader(kFixtures + "f4_2x3.npy");
  try {
    reader.read_rows({0, 2});
    ADD_FAILURE() << "row 2 of 2 accepted";
  } catch (const oml::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("f4_2x3.npy: row 2 outside the array's 2 rows"));
  }
  EXPECT_THROW(reader.read_range(1, 3), oml::InputError);
}

}  // namespace
