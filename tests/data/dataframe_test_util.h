#pragma once
// Helpers shared by the dataframe tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "oml/common/errors.h"
#include "oml/data/dataframe.h"

namespace oml_test {

inline std::string csv_fixture(const std::string& name) {
  return std::string(OML_SOURCE_DIR) + "/tests/data/csv/" + name;
}

// A fresh, empty directory under the system temporary directory.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("oml_test_dataframe_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string write_text(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

// The InputError message of read_dataframe(csv, root); fails the test when it succeeds.
inline std::string read_error(const std::string& csv, const std::string& root = "") {
  try {
    oml::read_dataframe(csv, root);
  } catch (const oml::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << csv << " was accepted";
  return {};
}

}  // namespace oml_test
