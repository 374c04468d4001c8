#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace oml::datasets {

// One row of an OML-format df.csv written by a dataset builder.
struct DatasetRow {
  int64_t label = 0;
  std::string path;  // relative to the dataset directory
  bool is_train = false;
  bool is_query = false;  // ignored on train rows (written empty)
  bool is_gallery = false;
  std::string category;  // written only when the dataset has a category column
};

// What a builder made, for the one-line summaries the CLI prints.
struct DatasetSummary {
  std::string name;
  int64_t classes = 0;
  int64_t images = 0;
  int64_t min_instances = 0;  // per class
  int64_t max_instances = 0;
  int64_t train_classes = 0;
  int64_t train_images = 0;
  int64_t validation_classes = 0;
  int64_t validation_images = 0;
  int64_t queries = 0;
  int64_t galleries = 0;
  std::vector<std::string> notes;  // skipped sources and similar, already formatted
};

// Fills the per-class and per-split counts of `summary` from the rows.
void count_rows(const std::vector<DatasetRow>& rows, DatasetSummary& summary);

// "cjk-fonts: 500 classes x 20-40 instances = 17000 images; train 250 classes / 8500 images; ..."
std::string describe(const DatasetSummary& summary);

// Creates `directory` (and parents); throws InputError naming it when that fails.
void prepare_directory(const std::string& directory);

// Writes `dir/df.csv` atomically: label,path,split,is_query,is_gallery[,category].
void write_oml_csv(const std::string& csv_path, const std::vector<DatasetRow>& rows, bool with_category);

// Encodes an 8-bit single-channel image as PNG (fixed settings, so equal pixels give equal bytes).
void write_gray_png(const std::string& path, const uint8_t* pixels, int width, int height);

// Same for 8-bit RGB pixels (interleaved R,G,B rows).
void write_rgb_png(const std::string& path, const uint8_t* pixels, int width, int height);

// Picks round(n_classes * validation_fraction) classes for validation, uniformly at random from
// `seed`; element i is true when class i goes to validation. Independent of the standard library's
// distribution algorithms, so every platform gives the same split.
std::vector<bool> choose_validation_classes(int64_t n_classes, double validation_fraction, uint64_t seed);

// Quotes a CSV field when it needs it (RFC 4180).
std::string csv_field(const std::string& value);

}  // namespace oml::datasets
