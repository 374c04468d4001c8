#include "oml/retrieval/problem_slice.h"

#include <stdexcept>
#include <vector>

namespace oml {
namespace {

template <typename T>
std::vector<T> slice(const std::vector<T>& values, int64_t begin, int64_t end) {
  return std::vector<T>(values.begin() + begin, values.begin() + end);
}

}  // namespace

RetrievalProblem slice_problem(const RetrievalProblem& problem, int64_t q_begin, int64_t q_end,
                               int64_t g_begin, int64_t g_end) {
  if (q_begin < 0 || q_end < q_begin || q_end > problem.num_queries() || g_begin < 0 || g_end < g_begin ||
      g_end > problem.num_galleries()) {
    throw std::out_of_range("slice_problem: range outside the problem");
  }
  RetrievalProblem out;
  out.query_rows = slice(problem.query_rows, q_begin, q_end);
  out.query_labels = slice(problem.query_labels, q_begin, q_end);
  out.query_sequences = slice(problem.query_sequences, q_begin, q_end);
  out.query_categories = slice(problem.query_categories, q_begin, q_end);
  out.gallery_rows = slice(problem.gallery_rows, g_begin, g_end);
  out.gallery_labels = slice(problem.gallery_labels, g_begin, g_end);
  out.gallery_sequences = slice(problem.gallery_sequences, g_begin, g_end);
  out.category_names = problem.category_names;
  out.query_self_gallery.reserve(out.query_rows.size());
  for (int64_t q = q_begin; q < q_end; ++q) {
    const int64_t self = problem.query_self_gallery[static_cast<size_t>(q)];
    out.query_self_gallery.push_back(self >= g_begin && self < g_end ? self - g_begin : -1);
  }
  return out;
}

}  // namespace oml
