#pragma once
// The gallery `oml serve` searches: the CSV's validation is_gallery rows with their embeddings, plus
// items added over HTTP, minus removed ones. Row ids are CSV rows; an added item gets the next id
// after every row ever used, so an id is never reused (answers stay unambiguous across deletes).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/io/npy.h"

namespace oml::serve {

struct GalleryItem {
  int64_t row = -1;
  int64_t label = 0;
  std::string path;        // as given (CSV column, or the path of an added item)
  std::string image_path;  // where the image is read from (root applied); may not exist for vectors
  std::optional<std::string> sequence;
  std::vector<float> embedding;
};

class Gallery {
 public:
  // `embeddings` has one row per CSV row (validated by the caller, as `oml search` does).
  Gallery(Dataframe dataframe, const Matrix& embeddings);

  int64_t dim() const { return embeddings_.cols; }
  int64_t size() const { return static_cast<int64_t>(rows_.size()); }
  int64_t csv_rows() const { return csv_rows_; }
  int64_t next_row() const { return static_cast<int64_t>(dataframe_.rows.size()); }
  // Changes on every add/remove: a cached index built for an older version is stale.
  uint64_t version() const { return version_; }

  bool contains(int64_t row) const { return position_of(row) >= 0; }
  // Position of `row` among the searchable items, -1 if absent.
  int64_t position_of(int64_t row) const;

  // `item.row` must be next_row() (ids are handed out in order); the caller checks the dimension.
  void add(const GalleryItem& item);
  // Marks rows up to `row` - 1 as used without adding them (replaying a log whose additions were
  // later removed keeps their ids taken).
  void reserve_rows_until(int64_t row);
  bool remove(int64_t row);

  // Searchable items in ascending row order (what retrieval and krnn expect), aligned with
  // embeddings().
  const Matrix& embeddings() const { return embeddings_; }
  const std::vector<int64_t>& rows() const { return rows_; }
  const std::vector<int64_t>& labels() const { return labels_; }
  // Sequence ids (-1 = none), interned over every row ever added.
  const std::vector<int64_t>& sequences() const { return sequences_; }
  // Every row ever known, indexable by row id (removed ones included), for image paths.
  const Dataframe& dataframe() const { return dataframe_; }

  // What differs from the CSV: removed CSV rows and the added items still present (a snapshot).
  std::vector<int64_t> removed_csv_rows() const;
  std::vector<GalleryItem> added_items() const;

 private:
  int64_t intern_sequence(const std::optional<std::string>& sequence);

  Dataframe dataframe_;
  int64_t csv_rows_ = 0;
  Matrix embeddings_;
  std::vector<int64_t> rows_;
  std::vector<int64_t> labels_;
  std::vector<int64_t> sequences_;
  std::vector<bool> csv_gallery_;  // per CSV row: a validation is_gallery row
  std::map<std::string, int64_t> sequence_ids_;
  uint64_t version_ = 0;
};

}  // namespace oml::serve
