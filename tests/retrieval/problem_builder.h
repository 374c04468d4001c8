#pragma once
// Test helpers: in-memory Dataframes and matrices (no CSV parsing involved).
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/io/npy.h"

namespace oml::testing {

struct RowSpec {
  RowSpec(int64_t label_, bool is_query_, bool is_gallery_, std::string sequence_ = "",
          std::string category_ = "")
      : label(label_),
        is_query(is_query_),
        is_gallery(is_gallery_),
        sequence(std::move(sequence_)),
        category(std::move(category_)) {}
  int64_t label = 0;
  bool is_query = false;
  bool is_gallery = false;
  std::string sequence;  // empty = none
  std::string category;  // empty = none
};

inline Dataframe make_dataframe(const std::vector<RowSpec>& specs) {
  Dataframe df;
  df.csv_path = "test.csv";
  for (size_t i = 0; i < specs.size(); ++i) {
    DataframeRow r;
    r.row = static_cast<int64_t>(i);
    r.line = static_cast<int64_t>(i) + 2;
    r.label = specs[i].label;
    r.path = "img" + std::to_string(i) + ".jpg";
    r.is_query = specs[i].is_query;
    r.is_gallery = specs[i].is_gallery;
    if (!specs[i].sequence.empty()) r.sequence = specs[i].sequence;
    if (!specs[i].category.empty()) r.category = specs[i].category;
    df.has_sequence = df.has_sequence || r.sequence.has_value();
    df.has_category = df.has_category || r.category.has_value();
    df.rows.push_back(r);
  }
  return df;
}

// Rows for metric tests: random labels in [0, labels), each row a query, a gallery or both,
// three in four rows in one of `sequences` sequences, categories a, b and c.
inline std::vector<RowSpec> random_rows(int count, int labels, int sequences, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* categories[] = {"a", "b", "c"};
  std::vector<RowSpec> rows;
  for (int i = 0; i < count; ++i) {
    const int kind = static_cast<int>(rng() % 3);
    rows.push_back({static_cast<int64_t>(rng() % static_cast<uint32_t>(labels)), kind != 1, kind != 0,
                    rng() % 4 ? std::to_string(rng() % static_cast<uint32_t>(sequences)) : "",
                    categories[rng() % 3]});
  }
  return rows;
}

inline Matrix make_matrix(const std::vector<std::vector<float>>& rows) {
  Matrix m;
  m.rows = static_cast<int64_t>(rows.size());
  m.cols = rows.empty() ? 0 : static_cast<int64_t>(rows[0].size());
  for (const auto& r : rows) m.values.insert(m.values.end(), r.begin(), r.end());
  return m;
}

inline Matrix random_matrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Matrix m;
  m.rows = rows;
  m.cols = cols;
  m.values.resize(static_cast<size_t>(rows * cols));
  for (float& v : m.values) v = normal(rng);
  return m;
}

inline std::vector<float> one_hot(int dim, int hot, float scale = 1.0f) {
  std::vector<float> v(static_cast<size_t>(dim), 0.0f);
  v[static_cast<size_t>(hot)] = scale;
  return v;
}

}  // namespace oml::testing
