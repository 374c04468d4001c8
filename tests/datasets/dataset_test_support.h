#pragma once
// Helpers shared by the dataset tests (which live in oml::datasets, hence the namespace); datasets
// are written under the build directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>
#include <utility>

namespace oml::datasets {

// <build>/test-datasets/<name>, removed with whatever an earlier run left there.
inline std::string fresh_directory(const std::string& name) {
  const std::filesystem::path directory = std::filesystem::path(OML_BINARY_DIR) / "test-datasets" / name;
  std::filesystem::remove_all(directory);
  return directory.string();
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Expects every file under `first` to exist under `second` with the same bytes (a determinism
// check); returns how many files were compared, so a test can tell an empty tree from a match.
inline int expect_same_files(const std::string& first, const std::string& second) {
  int compared = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(first)) {
    if (!entry.is_regular_file()) continue;
    const std::filesystem::path relative = std::filesystem::relative(entry.path(), first);
    const std::filesystem::path counterpart = std::filesystem::path(second) / relative;
    if (!std::filesystem::exists(counterpart)) {
      ADD_FAILURE() << relative << " is missing from " << second;
      continue;
    }
    EXPECT_EQ(read_bytes(entry.path()), read_bytes(counterpart)) << relative;
    ++compared;
  }
  return compared;
}

// Reads an image a dataset builder wrote, expecting `size` pixels a side and the OpenCV `type`.
// Fails fatally when the file cannot be read: wrap the call in ASSERT_NO_FATAL_FAILURE.
inline void read_square_image(const std::string& path, int type, int size, cv::Mat* image) {
  *image = cv::imread(path, cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(image->empty()) << path;
  EXPECT_EQ(image->type(), type) << path;
  EXPECT_EQ(image->rows, size) << path;
  EXPECT_EQ(image->cols, size) << path;
}

// The darkest and the lightest value over all channels.
inline std::pair<double, double> value_range(const cv::Mat& image) {
  double darkest = 0;
  double lightest = 0;
  cv::minMaxLoc(image.reshape(1), &darkest, &lightest);
  return {darkest, lightest};
}

}  // namespace oml::datasets
