#include "oml/datasets/dataset_output.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <set>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"

namespace oml::datasets {

namespace {

// Uniform integer in [0, bound) by rejection, from raw 64-bit engine outputs.
uint64_t uniform_below(std::mt19937_64& engine, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value = engine();
  while (value >= limit) value = engine();
  return value % bound;
}

}  // namespace

void count_rows(const std::vector<DatasetRow>& rows, DatasetSummary& summary) {
  std::map<int64_t, int64_t> per_class;
  std::set<int64_t> train_labels;
  std::set<int64_t> validation_labels;
  summary.images = static_cast<int64_t>(rows.size());
  summary.train_images = summary.validation_images = summary.queries = summary.galleries = 0;
  for (const DatasetRow& row : rows) {
    ++per_class[row.label];
    if (row.is_train) {
      train_labels.insert(row.label);
      ++summary.train_images;
    } else {
      validation_labels.insert(row.label);
      ++summary.validation_images;
      summary.queries += row.is_query ? 1 : 0;
      summary.galleries += row.is_gallery ? 1 : 0;
    }
  }
  summary.classes = static_cast<int64_t>(per_class.size());
  summary.train_classes = static_cast<int64_t>(train_labels.size());
  summary.validation_classes = static_cast<int64_t>(validation_labels.size());
  summary.min_instances = summary.max_instances = 0;
  if (!per_class.empty()) {
    summary.min_instances = summary.max_instances = per_class.begin()->second;
    for (const auto& [label, count] : per_class) {
      summary.min_instances = std::min(summary.min_instances, count);
      summary.max_instances = std::max(summary.max_instances, count);
    }
  }
}

std::string describe(const DatasetSummary& s) {
  const std::string instances = s.min_instances == s.max_instances
                                    ? std::to_string(s.min_instances)
                                    : std::to_string(s.min_instances) + "-" + std::to_string(s.max_instances);
  return s.name + ": " + std::to_string(s.classes) + " classes x " + instances +
         " instances = " + std::to_string(s.images) + " images; train: " + std::to_string(s.train_classes) +
         " classes, " + std::to_string(s.train_images) +
         " images; validation: " + std::to_string(s.validation_classes) + " classes, " +
         std::to_string(s.validation_images) + " images (" + std::to_string(s.queries) + " queries, " +
         std::to_string(s.galleries) + " galleries)";
}

void prepare_directory(const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error || !std::filesystem::is_directory(directory)) {
    throw InputError(directory + ": cannot create directory" + (error ? ": " + error.message() : ""));
  }
}

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void write_oml_csv(const std::string& csv_path, const std::vector<DatasetRow>& rows, bool with_category) {
  write_file_atomically(csv_path, [&](std::ostream& out) {
    out << "label,path,split,is_query,is_gallery" << (with_category ? ",category" : "") << "\n";
    for (const DatasetRow& row : rows) {
      out << row.label << ',' << csv_field(row.path) << ',';
      if (row.is_train) {
        out << "train,,";
      } else {
        out << "validation," << (row.is_query ? "True" : "False") << ','
            << (row.is_gallery ? "True" : "False");
      }
      if (with_category) out << ',' << csv_field(row.category);
      out << "\n";
    }
  });
}

namespace {

void write_png(const std::string& path, const cv::Mat& image) {
  std::vector<uint8_t> bytes;
  if (!cv::imencode(".png", image, bytes, {cv::IMWRITE_PNG_COMPRESSION, 6})) {
    throw std::runtime_error(path + ": PNG encoding failed");
  }
  // Through a temporary file: a full disk or a kill never leaves a truncated PNG under the name.
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  });
}

}  // namespace

void write_gray_png(const std::string& path, const uint8_t* pixels, int width, int height) {
  write_png(path, cv::Mat(height, width, CV_8UC1, const_cast<uint8_t*>(pixels)));
}

void write_rgb_png(const std::string& path, const uint8_t* pixels, int width, int height) {
  cv::Mat bgr;
  cv::cvtColor(cv::Mat(height, width, CV_8UC3, const_cast<uint8_t*>(pixels)), bgr, cv::COLOR_RGB2BGR);
  write_png(path, bgr);
}

std::vector<bool> choose_validation_classes(int64_t n_classes, double validation_fraction, uint64_t seed) {
  if (!(validation_fraction >= 0.0 && validation_fraction <= 1.0)) {
    throw InputError("--val-fraction: expected a number in [0, 1], got " +
                     std::to_string(validation_fraction));
  }
  std::vector<int64_t> order(static_cast<size_t>(n_classes));
  for (int64_t i = 0; i < n_classes; ++i) order[static_cast<size_t>(i)] = i;
  std::mt19937_64 engine(seed);
  for (int64_t i = n_classes - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(uniform_below(engine, static_cast<uint64_t>(i + 1)));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  const auto n_validation =
      static_cast<int64_t>(std::llround(static_cast<double>(n_classes) * validation_fraction));
  std::vector<bool> is_validation(static_cast<size_t>(n_classes), false);
  for (int64_t i = 0; i < n_validation; ++i)
    is_validation[static_cast<size_t>(order[static_cast<size_t>(i)])] = true;
  return is_validation;
}

}  // namespace oml::datasets
