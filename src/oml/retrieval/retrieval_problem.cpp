#include "oml/retrieval/retrieval_problem.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

namespace oml {

std::vector<int64_t> RetrievalProblem::count_ignored() const {
  std::unordered_map<int64_t, int64_t> galleries_per_sequence;
  for (int64_t s : gallery_sequences) {
    if (s >= 0) ++galleries_per_sequence[s];
  }
  std::vector<int64_t> counts(query_rows.size(), 0);
  for (size_t q = 0; q < query_rows.size(); ++q) {
    const int64_t s = query_sequences[q];
    // The query's own gallery row carries the same sequence, so it is already in the group.
    if (s >= 0) {
      const auto it = galleries_per_sequence.find(s);
      counts[q] = it == galleries_per_sequence.end() ? 0 : it->second;
    } else {
      counts[q] = query_self_gallery[q] >= 0 ? 1 : 0;
    }
  }
  return counts;
}

std::vector<int64_t> RetrievalProblem::count_ground_truth() const {
  std::unordered_map<int64_t, int64_t> galleries_per_label;
  std::map<std::pair<int64_t, int64_t>, int64_t> galleries_per_label_sequence;
  for (size_t g = 0; g < gallery_rows.size(); ++g) {
    ++galleries_per_label[gallery_labels[g]];
    if (gallery_sequences[g] >= 0) ++galleries_per_label_sequence[{gallery_labels[g], gallery_sequences[g]}];
  }
  std::vector<int64_t> counts(query_rows.size(), 0);
  for (size_t q = 0; q < query_rows.size(); ++q) {
    const int64_t label = query_labels[q];
    const auto it = galleries_per_label.find(label);
    int64_t n = it == galleries_per_label.end() ? 0 : it->second;
    if (query_sequences[q] >= 0) {
      const auto same = galleries_per_label_sequence.find({label, query_sequences[q]});
      if (same != galleries_per_label_sequence.end()) n -= same->second;
    } else if (query_self_gallery[q] >= 0) {
      n -= 1;  // the query's own row has its label
    }
    counts[q] = n;
  }
  return counts;
}

RetrievalProblem make_retrieval_problem(const Dataframe& df) {
  RetrievalProblem problem;
  std::map<std::string, int64_t> sequence_ids;
  std::set<std::string> categories;
  for (const DataframeRow& r : df.rows) {
    if (!r.is_train && r.is_query && r.category) categories.insert(*r.category);
  }
  problem.category_names.assign(categories.begin(), categories.end());
  auto sequence_id = [&](const DataframeRow& r) -> int64_t {
    if (!r.sequence) return -1;
    return sequence_ids.emplace(*r.sequence, static_cast<int64_t>(sequence_ids.size())).first->second;
  };
  for (const DataframeRow& r : df.rows) {
    if (r.is_train) continue;
    const int64_t sequence = sequence_id(r);
    int32_t category = -1;
    if (r.category) {
      const auto it =
          std::lower_bound(problem.category_names.begin(), problem.category_names.end(), *r.category);
      if (it != problem.category_names.end() && *it == *r.category) {
        category = static_cast<int32_t>(it - problem.category_names.begin());
      }
    }
    problem.validation_rows.push_back(r.row);
    problem.validation_categories.push_back(category);
    int64_t self_gallery = -1;
    if (r.is_gallery) {
      self_gallery = problem.num_galleries();
      problem.gallery_rows.push_back(r.row);
      problem.gallery_labels.push_back(r.label);
      problem.gallery_sequences.push_back(sequence);
    }
    if (r.is_query) {
      problem.query_rows.push_back(r.row);
      problem.query_labels.push_back(r.label);
      problem.query_sequences.push_back(sequence);
      problem.query_self_gallery.push_back(self_gallery);
      problem.query_categories.push_back(category);
    }
  }
  return problem;
}

}  // namespace oml
