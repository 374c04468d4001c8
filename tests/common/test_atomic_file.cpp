#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "oml/common/atomic_file.h"

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(AtomicFile, WritesContent) {
  const auto dir = std::filesystem::temp_directory_path() / "oml_atomic_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.txt").string();
  oml::write_file_atomically(path, [](std::ostream& out) { out << "hello"; });
  EXPECT_EQ(read_all(path), "hello");
}

TEST(AtomicFile, FailureKeepsPreviousFileAndLeavesNoTemporary) {
  const auto dir = std::filesystem::temp_directory_path() / "oml_atomic_test_fail";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.txt").string();
  oml::write_file_atomically(path, [](std::ostream& out) { out << "old"; });
  EXPECT_THROW(oml::write_file_atomically(path,
                                          [](std::ostream& out) {
                                            out << "partial";
                                            throw std::runtime_error("boom");
                                          }),
               std::runtime_error);
  EXPECT_EQ(read_all(path), "old");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

}  // namespace
