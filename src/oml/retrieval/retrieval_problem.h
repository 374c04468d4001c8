#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "oml/data/dataframe.h"

namespace oml {

// Who is a query, who is a gallery item, and which pairs are ignored or correct (spec §10.1).
// Indices q and g are positions among the queries / galleries (CSV order), not CSV rows.
struct RetrievalProblem {
  std::vector<int64_t> query_rows;    // CSV rows of the queries
  std::vector<int64_t> gallery_rows;  // CSV rows of the galleries
  std::vector<int64_t> query_labels;
  std::vector<int64_t> gallery_labels;
  // Sequences interned to ids shared by both sides; -1 = no sequence (never matches).
  std::vector<int64_t> query_sequences;
  std::vector<int64_t> gallery_sequences;
  // Gallery index of the query's own row (1 vs rest), -1 if the row is not a gallery item.
  std::vector<int64_t> query_self_gallery;
  // Category id per query (-1 = none); names sorted bytewise, so ids follow the output order.
  std::vector<int32_t> query_categories;
  std::vector<std::string> category_names;
  // Every validation row once (queries ∪ galleries, CSV order) with its category id (-1 = none
  // or a category no query has): pcf's population.
  std::vector<int64_t> validation_rows;
  std::vector<int32_t> validation_categories;

  int64_t num_queries() const { return static_cast<int64_t>(query_rows.size()); }
  int64_t num_galleries() const { return static_cast<int64_t>(gallery_rows.size()); }

  bool is_ignored(int64_t q, int64_t g) const {
    return query_self_gallery[q] == g ||
           (query_sequences[q] >= 0 && query_sequences[q] == gallery_sequences[g]);
  }
  bool is_ground_truth(int64_t q, int64_t g) const {
    return query_labels[q] == gallery_labels[g] && !is_ignored(q, g);
  }

  // Per query: how many galleries are ignored (so an index can over-fetch exactly that many).
  std::vector<int64_t> count_ignored() const;
  // Per query: n_gt = non-ignored galleries with the query's label. Needs no distances.
  std::vector<int64_t> count_ground_truth() const;
};

// Queries = validation rows with is_query, galleries = validation rows with is_gallery.
RetrievalProblem make_retrieval_problem(const Dataframe& df);

}  // namespace oml
