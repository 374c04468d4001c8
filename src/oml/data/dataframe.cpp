#include "oml/data/dataframe.h"

#include <array>
#include <cmath>
#include <filesystem>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "oml/data/dataframe_internal.h"

namespace oml {
namespace {

using dataframe_detail::column_problem;
using dataframe_detail::CsvRecord;
using dataframe_detail::ProblemList;

constexpr std::array<const char*, 5> kRequiredColumns = {"label", "path", "split", "is_query", "is_gallery"};
constexpr std::array<const char*, 4> kBboxColumns = {"x_1", "x_2", "y_1", "y_2"};
constexpr size_t kMaxWarnings = 20;
// Box coordinates must stay exact when read through a double.
constexpr double kMaxExactCoordinate = 9007199254740992.0;  // 2^53

constexpr size_t kMissing = static_cast<size_t>(-1);

struct Columns {
  size_t count = 0;
  size_t label = kMissing, path = kMissing, split = kMissing, is_query = kMissing, is_gallery = kMissing;
  size_t category = kMissing, sequence = kMissing;
  std::array<size_t, 4> bbox = {kMissing, kMissing, kMissing, kMissing};  // x_1, x_2, y_1, y_2
};

// Rules 1 and 8 and duplicate headers; all problems of the header are reported together.
Columns map_columns(const std::vector<std::string>& header, Dataframe& df, ProblemList& problems) {
  const std::string& csv = df.csv_path;
  Columns columns;
  columns.count = header.size();
  std::unordered_map<std::string, size_t> positions;
  std::set<std::string> reported_duplicates;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    if (!positions.emplace(name, i).second && !name.empty() && reported_duplicates.insert(name).second) {
      problems.add(1, csv + ":1: duplicate column '" + name + "'");
    }
  }
  const auto find = [&](const char* name) {
    const auto it = positions.find(name);
    return it == positions.end() ? kMissing : it->second;
  };
  if (header.empty()) problems.add(1, csv + ":1: empty file: expected a header line");
  for (const char* name : kRequiredColumns) {
    if (!header.empty() && find(name) == kMissing)
      problems.add(1, csv + ":1: missing required column '" + name + "'");
  }
  columns.label = find("label");
  columns.path = find("path");
  columns.split = find("split");
  columns.is_query = find("is_query");
  columns.is_gallery = find("is_gallery");
  columns.category = find("category");
  columns.sequence = find("sequence");
  std::string missing_bbox;
  size_t bbox_present = 0;
  for (size_t i = 0; i < kBboxColumns.size(); ++i) {
    columns.bbox[i] = find(kBboxColumns[i]);
    if (columns.bbox[i] != kMissing) {
      ++bbox_present;
    } else {
      missing_bbox += std::string(missing_bbox.empty() ? "" : ", ") + "'" + kBboxColumns[i] + "'";
    }
  }
  if (bbox_present > 0 && bbox_present < kBboxColumns.size()) {
    problems.add(1, csv + ":1: bbox columns must come together; missing " + missing_bbox);
  }
  df.has_category = columns.category != kMissing;
  df.has_sequence = columns.sequence != kMissing;
  df.has_bbox = bbox_present == kBboxColumns.size();
  const std::set<std::string> known = {"label",    "path", "split", "is_query", "is_gallery", "category",
                                       "sequence", "x_1",  "x_2",   "y_1",      "y_2"};
  for (const std::string& name : header) {
    if (known.count(name) == 0) df.ignored_columns.push_back(name);
  }
  return columns;
}

std::optional<std::string> optional_text(const std::string& raw) {
  return raw.empty() ? std::nullopt : std::optional<std::string>(raw);
}

// Rule 9 on one row; returns the box when the row has one and it is valid.
std::optional<BoundingBox> read_bbox(const CsvRecord& record, const Columns& columns, const std::string& csv,
                                     ProblemList& problems) {
  std::array<const std::string*, 4> raw{};
  size_t empty = 0;
  for (size_t i = 0; i < 4; ++i) {
    raw[i] = &record.fields[columns.bbox[i]];
    empty += raw[i]->empty() ? 1 : 0;
  }
  if (empty == 4) return std::nullopt;
  std::array<int64_t, 4> value{};
  bool valid = true;
  for (size_t i = 0; i < 4; ++i) {
    const std::string& text = *raw[i];
    if (text.empty()) {
      problems.add(record.line, column_problem(csv, record.line, kBboxColumns[i],
                                               "empty while the other bbox columns of this row are set"));
      valid = false;
      continue;
    }
    const std::optional<double> number = dataframe_detail::parse_decimal_number(text);
    if (!number || *number != std::floor(*number) || std::fabs(*number) > kMaxExactCoordinate) {
      problems.add(record.line, column_problem(csv, record.line, kBboxColumns[i],
                                               "expected an integral number of pixels", text));
      valid = false;
    } else if (*number < 0) {
      problems.add(record.line, column_problem(csv, record.line, kBboxColumns[i], "must be >= 0", text));
      valid = false;
    } else {
      value[i] = static_cast<int64_t>(*number);
    }
  }
  if (!valid) return std::nullopt;
  const BoundingBox box{value[0], value[2], value[1], value[3]};
  if (box.x1 >= box.x2) {
    problems.add(record.line, column_problem(csv, record.line, "x_2",
                                             "x_1 (" + std::to_string(box.x1) + ") must be less than x_2 (" +
                                                 std::to_string(box.x2) + ")"));
    valid = false;
  }
  if (box.y1 >= box.y2) {
    problems.add(record.line, column_problem(csv, record.line, "y_2",
                                             "y_1 (" + std::to_string(box.y1) + ") must be less than y_2 (" +
                                                 std::to_string(box.y2) + ")"));
    valid = false;
  }
  return valid ? std::optional<BoundingBox>(box) : std::nullopt;
}

// Rules 2-5 (and the non-empty path) on one row. Returns false when the row's label, split or
// query/gallery flags could not be read, which makes rule 6 unreliable for the whole file.
bool read_row(const CsvRecord& record, const Columns& columns, Dataframe& df, ProblemList& problems,
              DataframeRow& row) {
  const std::string& csv = df.csv_path;
  const int64_t line = record.line;
  const auto& fields = record.fields;
  bool flags_ok = true;

  const std::string& label = fields[columns.label];
  if (const auto value = dataframe_detail::parse_label(label)) {
    row.label = *value;
  } else {
    problems.add(line, column_problem(csv, line, "label", "expected an integer", label));
    flags_ok = false;
  }

  row.path = fields[columns.path];
  if (row.path.empty()) {
    problems.add(line, column_problem(csv, line, "path", "empty; every row needs an image path"));
  }
  row.image_path = dataframe_detail::join_root_and_path(df.root, row.path);

  const std::string& split = fields[columns.split];
  const std::string& is_query = fields[columns.is_query];
  const std::string& is_gallery = fields[columns.is_gallery];
  if (split == "train") {
    row.is_train = true;
    for (const auto& [name, raw] : {std::pair{"is_query", &is_query}, std::pair{"is_gallery", &is_gallery}}) {
      if (!raw->empty()) {
        problems.add(line, column_problem(csv, line, name, "must be empty on a train row", *raw));
        flags_ok = false;
      }
    }
  } else if (split == "validation") {
    const std::optional<bool> query = dataframe_detail::parse_boolean(is_query);
    const std::optional<bool> gallery = dataframe_detail::parse_boolean(is_gallery);
    for (const auto& [name, raw, parsed] :
         {std::tuple{"is_query", &is_query, query}, std::tuple{"is_gallery", &is_gallery, gallery}}) {
      if (!parsed) {
        problems.add(line, column_problem(csv, line, name,
                                          "expected a boolean on a validation row (True/False, 1/0)", *raw));
      }
    }
    if (query && gallery && !*query && !*gallery) {
      problems.add(line, csv + ":" + std::to_string(line) +
                             ": columns 'is_query','is_gallery': a validation row must be a query, a "
                             "gallery item or both");
    }
    if (!query || !gallery) flags_ok = false;
    row.is_query = query.value_or(false);
    row.is_gallery = gallery.value_or(false);
  } else {
    problems.add(line, column_problem(csv, line, "split", "expected 'train' or 'validation'", split));
    flags_ok = false;
  }

  if (columns.category != kMissing) row.category = optional_text(fields[columns.category]);
  if (columns.sequence != kMissing) row.sequence = optional_text(fields[columns.sequence]);
  if (df.has_bbox) row.bbox = read_bbox(record, columns, csv, problems);
  return flags_ok;
}

// Rule 6: reported once, at the first query row whose label no gallery row has, with a count.
void check_query_labels(const Dataframe& df, ProblemList& problems) {
  std::unordered_set<int64_t> gallery_labels;
  for (const DataframeRow& row : df.rows) {
    if (row.is_gallery) gallery_labels.insert(row.label);
  }
  const DataframeRow* first = nullptr;
  size_t count = 0;
  for (const DataframeRow& row : df.rows) {
    if (row.is_query && gallery_labels.count(row.label) == 0) {
      if (first == nullptr) first = &row;
      ++count;
    }
  }
  if (first == nullptr) return;
  std::string message = column_problem(
      df.csv_path, first->line, "label",
      "query label " + std::to_string(first->label) + " has no gallery row with the same label");
  if (count > 1) message += " (and " + std::to_string(count - 1) + " more query rows like this)";
  problems.add(first->line, message);
}

// Rule 11: a label with several categories is only a warning, once per label.
void warn_about_label_categories(Dataframe& df) {
  std::unordered_map<int64_t, const DataframeRow*> first_category_row;
  std::unordered_set<int64_t> warned;
  size_t unreported = 0;
  for (const DataframeRow& row : df.rows) {
    if (!row.category) continue;
    const auto [it, inserted] = first_category_row.emplace(row.label, &row);
    if (inserted || *it->second->category == *row.category || !warned.insert(row.label).second) continue;
    if (df.warnings.size() == kMaxWarnings) {
      ++unreported;
      continue;
    }
    df.warnings.push_back("warning: " + df.where_line(row.line) + ": label " + std::to_string(row.label) +
                          " has category '" + *row.category + "' here but '" + *it->second->category +
                          "' on line " + std::to_string(it->second->line));
  }
  if (unreported > 0) {
    df.warnings.push_back("warning: \u2026 and " + std::to_string(unreported) +
                          " more labels with more than one category");
  }
}

std::string default_root(const std::string& csv_path) {
  const std::string parent = std::filesystem::path(csv_path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

std::string Dataframe::where_line(int64_t line) const { return csv_path + ":" + std::to_string(line); }

std::string Dataframe::where(int64_t row) const { return where_line(rows.at(static_cast<size_t>(row)).line); }

Dataframe read_dataframe(const std::string& csv_path, const std::string& root) {
  Dataframe df;
  df.csv_path = csv_path;
  df.root = root.empty() ? default_root(csv_path) : root;
  const dataframe_detail::CsvTable table = dataframe_detail::read_csv_table(csv_path);

  ProblemList problems;
  const Columns columns = map_columns(table.header, df, problems);
  problems.throw_if_any();

  bool flags_ok = true;
  df.rows.reserve(table.records.size());
  for (const CsvRecord& record : table.records) {
    if (record.field_count != columns.count) {
      problems.add(record.line, df.where_line(record.line) + ": expected " + std::to_string(columns.count) +
                                    " fields as in the header, got " + std::to_string(record.field_count));
      flags_ok = false;
      continue;
    }
    DataframeRow row;
    row.row = static_cast<int64_t>(df.rows.size());
    row.line = record.line;
    flags_ok = read_row(record, columns, df, problems, row) && flags_ok;
    df.rows.push_back(std::move(row));
  }
  // With unreadable labels or flags, rule 6 would report rows that are fine.
  if (flags_ok) check_query_labels(df, problems);
  problems.throw_if_any();
  warn_about_label_categories(df);
  return df;
}

}  // namespace oml
