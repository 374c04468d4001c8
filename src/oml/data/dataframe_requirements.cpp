// Checks that only some commands need (spec §1.3 rules 7, 10, 12 and §1.5), applied to a
// dataframe that read_dataframe already validated.
#include <cmath>
#include <filesystem>

#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/data/dataframe_internal.h"
#include "oml/io/npy.h"

namespace oml {

using dataframe_detail::column_problem;
using dataframe_detail::ProblemList;

std::vector<int64_t> rows_with_missing_image(const Dataframe& df) {
  std::vector<int64_t> missing;
  for (const DataframeRow& row : df.rows) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(row.image_path, ec)) missing.push_back(row.row);
  }
  return missing;
}

void require_image_files(const Dataframe& df) {
  ProblemList problems;
  for (const int64_t r : rows_with_missing_image(df)) {
    const DataframeRow& row = df.rows[static_cast<size_t>(r)];
    std::error_code ec;
    const std::string problem =
        std::filesystem::exists(row.image_path, ec) ? "not a regular file: " : "file not found: ";
    problems.add(row.line, column_problem(df.csv_path, row.line, "path", problem + row.image_path));
  }
  problems.throw_if_any();
}

void require_validation_split(const Dataframe& df) {
  bool any_validation = false, any_query = false, any_gallery = false;
  for (const DataframeRow& row : df.rows) {
    any_validation = any_validation || !row.is_train;
    any_query = any_query || row.is_query;
    any_gallery = any_gallery || row.is_gallery;
  }
  ProblemList problems;
  if (!any_validation) {
    problems.add(1, df.where_line(1) + ": no validation rows (split 'validation')");
  } else {
    if (!any_query) problems.add(1, df.where_line(1) + ": no query rows in the validation split");
    if (!any_gallery) problems.add(1, df.where_line(1) + ": no gallery rows in the validation split");
  }
  problems.throw_if_any();
}

void require_train_split(const Dataframe& df) {
  for (const DataframeRow& row : df.rows) {
    if (row.is_train) return;
  }
  throw InputError(df.where_line(1) + ": no train rows (split 'train')");
}

void require_query_categories(const Dataframe& df) {
  if (!df.has_category) throw InputError(df.where_line(1) + ": --categories needs a 'category' column");
  ProblemList problems;
  for (const DataframeRow& row : df.rows) {
    if (row.is_query && !row.category) {
      problems.add(row.line, column_problem(df.csv_path, row.line, "category", "empty on a query row"));
    }
  }
  problems.throw_if_any();
}

void require_embeddings_match(const Dataframe& df, const Matrix& embeddings,
                              const std::string& embeddings_path) {
  if (embeddings.rows != static_cast<int64_t>(df.rows.size())) {
    throw InputError(embeddings_path + ": has " + std::to_string(embeddings.rows) + " rows but " +
                     df.csv_path + " has " + std::to_string(df.rows.size()) + " data rows");
  }
  ProblemList problems;
  for (int64_t r = 0; r < embeddings.rows; ++r) {
    const float* values = embeddings.row(r);
    for (int64_t c = 0; c < embeddings.cols; ++c) {
      if (std::isfinite(values[c])) continue;
      const int64_t line = df.rows[static_cast<size_t>(r)].line;
      problems.add(line, embeddings_path + ": row " + std::to_string(r) + " (" + df.where_line(line) +
                             ") contains " + (std::isnan(values[c]) ? "NaN" : "inf"));
      break;
    }
  }
  problems.throw_if_any();
}

}  // namespace oml
