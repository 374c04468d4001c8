#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oml {

// Pixel box with PIL's crop convention: left, top inclusive; right, bottom exclusive.
struct BoundingBox {
  int64_t x1 = 0;
  int64_t y1 = 0;
  int64_t x2 = 0;
  int64_t y2 = 0;
};

// One data row of an OML-format CSV (spec §1). `row` is the 0-based data row, `line` the 1-based
// physical line where the record starts (header = line 1), used in error messages.
struct DataframeRow {
  int64_t row = 0;
  int64_t line = 0;
  int64_t label = 0;
  std::string path;        // as written in the CSV
  std::string image_path;  // root / path with pathlib semantics (absolute path wins)
  bool is_train = false;   // split == "train"; everything else is validation
  bool is_query = false;   // false on train rows
  bool is_gallery = false;
  std::optional<std::string> category;  // empty field = nullopt
  std::optional<BoundingBox> bbox;      // nullopt = full image
  std::optional<std::string> sequence;  // empty field = nullopt (never matches)
};

struct Dataframe {
  std::string csv_path;
  std::string root;
  bool has_category = false;
  bool has_bbox = false;
  bool has_sequence = false;
  std::vector<DataframeRow> rows;
  // Rule 11 and similar, formatted as printed: "warning: df.csv:30: label 7 has category ...".
  std::vector<std::string> warnings;
  std::vector<std::string> ignored_columns;  // header names that are not OML columns (e.g. "")

  // Location prefix for messages about a row: "<csv>:<line>".
  std::string where(int64_t row) const;
  // Same for a physical line (1 = header, for file-level messages).
  std::string where_line(int64_t line) const;
};

// Reads and validates an OML CSV (spec §1 rules 1-6, 8, 9, 11 and the non-empty path part of
// 10). `root` empty = the CSV's directory. Throws InputError listing up to 20 problems.
Dataframe read_dataframe(const std::string& csv_path, const std::string& root = "");

// Rule 7: every row's image file exists (throws InputError listing up to 20 missing files).
void require_image_files(const Dataframe& df);
// Rows (0-based) whose image_path is not an existing regular file.
std::vector<int64_t> rows_with_missing_image(const Dataframe& df);
// Rule 10 for evaluate/search: >=1 validation row, >=1 query, >=1 gallery.
void require_validation_split(const Dataframe& df);
// Rule 10 for training commands: >=1 train row.
void require_train_split(const Dataframe& df);
// Rule 12 for --categories.
void require_query_categories(const Dataframe& df);

struct Matrix;
// Spec §1.5: `embeddings` (read from `embeddings_path`) has one finite row per CSV data row.
void require_embeddings_match(const Dataframe& df, const Matrix& embeddings,
                              const std::string& embeddings_path);

}  // namespace oml
