#include "oml/datasets/fashion_mnist_dataset.h"

#include <array>
#include <cstdio>
#include <filesystem>

#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/datasets/idx_file.h"

namespace oml::datasets {

namespace {

constexpr int kClasses = 10;

struct LabelledImages {
  IdxArray images;
  IdxArray labels;
};

std::string find_file(const std::string& directory, const std::string& stem) {
  for (const std::string& candidate : {directory + "/" + stem + ".gz", directory + "/" + stem}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw InputError(directory + "/" + stem +
                   "[.gz]: not found (apt-get install dataset-fashion-mnist, or pass --source)");
}

LabelledImages read_split(const std::string& directory, const std::string& prefix) {
  LabelledImages split;
  const std::string images_path = find_file(directory, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(directory, prefix + "-labels-idx1-ubyte");
  split.images = read_idx_file(images_path);
  split.labels = read_idx_file(labels_path);
  if (split.images.dims.size() != 3) {
    throw InputError(images_path + ": expected 3 IDX dimensions (images x rows x columns), got " +
                     std::to_string(split.images.dims.size()));
  }
  if (split.labels.dims.size() != 1) {
    throw InputError(labels_path + ": expected 1 IDX dimension (labels), got " +
                     std::to_string(split.labels.dims.size()));
  }
  if (split.images.dims[0] != split.labels.dims[0]) {
    throw InputError(images_path + ": has " + std::to_string(split.images.dims[0]) + " images but " +
                     labels_path + " has " + std::to_string(split.labels.dims[0]) + " labels");
  }
  for (size_t i = 0; i < split.labels.values.size(); ++i) {
    if (split.labels.values[i] >= kClasses) {
      throw InputError(labels_path + ": label " + std::to_string(split.labels.values[i]) + " at index " +
                       std::to_string(i) + " is not a Fashion-MNIST class (0-9)");
    }
  }
  return split;
}

void convert_split(const LabelledImages& split, const std::string& root, const std::string& split_dir,
                   bool is_train, int limit_per_class, std::vector<DatasetRow>& rows) {
  const auto n = split.images.dims[0];
  const auto height = static_cast<int>(split.images.dims[1]);
  const auto width = static_cast<int>(split.images.dims[2]);
  for (int label = 0; label < kClasses; ++label)
    prepare_directory(root + split_dir + "/" + std::to_string(label));
  std::array<int64_t, kClasses> seen{};
  ProgressBar progress("fashion-mnist: " + split_dir, n, "images");
  for (int64_t i = 0; i < n; ++i) {
    progress.advance();
    const int label = split.labels.values[static_cast<size_t>(i)];
    const int64_t rank = seen[label]++;
    if (limit_per_class > 0 && rank >= limit_per_class) continue;
    char name[32];
    std::snprintf(name, sizeof name, "/%d/%05lld.png", label, static_cast<long long>(i));
    DatasetRow row;
    row.label = label;
    row.path = split_dir + name;
    row.is_train = is_train;
    row.is_query = !is_train && rank % 2 == 0;
    row.is_gallery = !is_train && rank % 2 == 1;
    row.category = fashion_mnist_category(label);
    const size_t offset = static_cast<size_t>(i) * static_cast<size_t>(height) * static_cast<size_t>(width);
    write_gray_png(root + row.path, split.images.values.data() + offset, width, height);
    rows.push_back(std::move(row));
  }
  progress.finish();
}

}  // namespace

const char* fashion_mnist_class_name(int label) {
  static const char* const names[kClasses] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return label >= 0 && label < kClasses ? names[label] : "";
}

const char* fashion_mnist_category(int label) {
  static const char* const groups[kClasses] = {"tops",     "bottoms", "tops",     "dresses", "tops",
                                               "footwear", "tops",    "footwear", "bags",    "footwear"};
  return label >= 0 && label < kClasses ? groups[label] : "";
}

DatasetSummary build_fashion_mnist_dataset(const FashionMnistOptions& options) {
  if (options.out_dir.empty()) throw InputError("--out: a directory is required");
  if (options.limit_per_class < 0) {
    throw InputError("--limit-per-class: expected a number >= 0 (0 = all), got " +
                     std::to_string(options.limit_per_class));
  }
  if (options.limit_per_class == 1) {
    throw InputError("--limit-per-class: 1 leaves a query without a gallery of its class; use 0 or >= 2");
  }
  const LabelledImages train = read_split(options.source_dir, "train");
  const LabelledImages test = read_split(options.source_dir, "t10k");
  const std::string root = options.out_dir + "/";
  prepare_directory(options.out_dir);
  std::vector<DatasetRow> rows;
  convert_split(train, root, "train", true, options.limit_per_class, rows);
  convert_split(test, root, "test", false, options.limit_per_class, rows);
  write_oml_csv(root + "df.csv", rows, true);
  DatasetSummary summary;
  summary.name = "fashion-mnist";
  count_rows(rows, summary);
  return summary;
}

}  // namespace oml::datasets
