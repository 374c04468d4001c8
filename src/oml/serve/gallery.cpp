#include "oml/serve/gallery.h"

#include <algorithm>
#include <stdexcept>

namespace oml::serve {

Gallery::Gallery(Dataframe dataframe, const Matrix& embeddings)
    : dataframe_(std::move(dataframe)), csv_rows_(static_cast<int64_t>(dataframe_.rows.size())) {
  embeddings_.cols = embeddings.cols;
  csv_gallery_.assign(static_cast<size_t>(csv_rows_), false);
  for (const DataframeRow& row : dataframe_.rows) {
    // Same gallery as `oml search`: validation rows with is_gallery (spec §10.1).
    if (row.is_train || !row.is_gallery) continue;
    csv_gallery_[static_cast<size_t>(row.row)] = true;
    rows_.push_back(row.row);
    labels_.push_back(row.label);
    sequences_.push_back(intern_sequence(row.sequence));
    const float* values = embeddings.row(row.row);
    embeddings_.values.insert(embeddings_.values.end(), values, values + embeddings.cols);
  }
  embeddings_.rows = static_cast<int64_t>(rows_.size());
}

int64_t Gallery::intern_sequence(const std::optional<std::string>& sequence) {
  if (!sequence) return -1;
  return sequence_ids_.emplace(*sequence, static_cast<int64_t>(sequence_ids_.size())).first->second;
}

int64_t Gallery::position_of(int64_t row) const {
  const auto it = std::lower_bound(rows_.begin(), rows_.end(), row);
  return it != rows_.end() && *it == row ? it - rows_.begin() : -1;
}

void Gallery::add(const GalleryItem& item) {
  if (item.row != next_row()) throw std::logic_error("gallery rows must be added in order");
  if (static_cast<int64_t>(item.embedding.size()) != dim())
    throw std::logic_error("gallery item of the wrong dimension");
  DataframeRow row;
  row.row = item.row;
  row.label = item.label;
  row.path = item.path;
  row.image_path = item.image_path;
  row.is_gallery = true;
  row.sequence = item.sequence;
  dataframe_.rows.push_back(std::move(row));
  // Ids only grow, so appending keeps the rows ascending.
  rows_.push_back(item.row);
  labels_.push_back(item.label);
  sequences_.push_back(intern_sequence(item.sequence));
  embeddings_.values.insert(embeddings_.values.end(), item.embedding.begin(), item.embedding.end());
  embeddings_.rows += 1;
  ++version_;
}

void Gallery::reserve_rows_until(int64_t row) {
  while (next_row() < row) {
    DataframeRow placeholder;
    placeholder.row = next_row();
    dataframe_.rows.push_back(std::move(placeholder));
  }
}

bool Gallery::remove(int64_t row) {
  const int64_t position = position_of(row);
  if (position < 0) return false;
  const auto p = static_cast<size_t>(position);
  rows_.erase(rows_.begin() + position);
  labels_.erase(labels_.begin() + position);
  sequences_.erase(sequences_.begin() + position);
  const auto cols = static_cast<size_t>(dim());
  embeddings_.values.erase(embeddings_.values.begin() + static_cast<std::ptrdiff_t>(p * cols),
                           embeddings_.values.begin() + static_cast<std::ptrdiff_t>((p + 1) * cols));
  embeddings_.rows -= 1;
  ++version_;
  return true;
}

std::vector<int64_t> Gallery::removed_csv_rows() const {
  std::vector<int64_t> removed;
  for (int64_t r = 0; r < csv_rows_; ++r) {
    if (csv_gallery_[static_cast<size_t>(r)] && !contains(r)) removed.push_back(r);
  }
  return removed;
}

std::vector<GalleryItem> Gallery::added_items() const {
  std::vector<GalleryItem> items;
  for (size_t p = 0; p < rows_.size(); ++p) {
    if (rows_[p] < csv_rows_) continue;
    const DataframeRow& row = dataframe_.rows[static_cast<size_t>(rows_[p])];
    GalleryItem item;
    item.row = row.row;
    item.label = row.label;
    item.path = row.path;
    item.image_path = row.image_path;
    item.sequence = row.sequence;
    const float* values = embeddings_.row(static_cast<int64_t>(p));
    item.embedding.assign(values, values + dim());
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace oml::serve
