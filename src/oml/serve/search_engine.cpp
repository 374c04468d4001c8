#include "oml/serve/search_engine.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace oml::serve {
namespace {

// Served queries get rows above any gallery row, in arrival order: krnn merges queries and
// galleries by row, and this is where a query row appended to the CSV would sort.
constexpr int64_t kFirstQueryRow = int64_t{1} << 40;

bool reads_query_image(const PostprocessorSpec& spec) { return spec.name == "pairwise"; }

RetrievalProblem make_problem(const Gallery& gallery, int64_t num_queries) {
  RetrievalProblem problem;
  for (int64_t q = 0; q < num_queries; ++q) problem.query_rows.push_back(kFirstQueryRow + q);
  problem.gallery_rows = gallery.rows();
  problem.query_labels.assign(static_cast<size_t>(num_queries), -1);
  problem.gallery_labels = gallery.labels();
  // An uploaded query has no sequence and is not a gallery row: nothing is ignored for it.
  problem.query_sequences.assign(static_cast<size_t>(num_queries), -1);
  problem.gallery_sequences = gallery.sequences();
  problem.query_self_gallery.assign(static_cast<size_t>(num_queries), -1);
  problem.query_categories.assign(static_cast<size_t>(num_queries), -1);
  return problem;
}

std::vector<SearchHit> to_hits(const std::vector<Neighbor>& list, const RetrievalResults& results,
                               const Gallery& gallery, int64_t top_k) {
  std::vector<SearchHit> hits;
  const size_t n = std::min(list.size(), static_cast<size_t>(top_k));
  for (size_t i = 0; i < n; ++i) {
    const int64_t row = results.gallery_rows[static_cast<size_t>(list[i].gallery)];
    const DataframeRow& item = gallery.dataframe().rows[static_cast<size_t>(row)];
    hits.push_back({row, item.label, item.path, list[i].distance});
  }
  return hits;
}

}  // namespace

SearchEngine::SearchEngine(const std::vector<std::string>& post, IndexOptions index, ImageLimits image_limits)
    : specs_(parse_postprocessor_specs(post)),
      steps_(make_postprocessors(specs_)),
      index_options_(std::move(index)),
      image_limits_(std::move(image_limits)) {
  for (const auto& spec : specs_) queries_interact_ = queries_interact_ || spec.name == "krnn";
}

SearchEngine::~SearchEngine() = default;

std::vector<std::string> SearchEngine::image_steps() const {
  std::vector<std::string> tokens;
  for (const auto& spec : specs_) {
    if (reads_query_image(spec)) tokens.push_back(spec.token);
  }
  return tokens;
}

void SearchEngine::refresh_index(const Gallery& gallery) {
  if (index_ && indexed_gallery_ == &gallery && indexed_version_ == gallery.version()) return;
  index_ = make_index(index_options_);
  index_->add(gallery.embeddings());
  indexed_gallery_ = &gallery;
  indexed_version_ = gallery.version();
}

std::vector<SearchAnswer> SearchEngine::search(const std::vector<SearchQuery>& queries,
                                               const Gallery& gallery) {
  std::vector<SearchAnswer> answers(queries.size());
  if (gallery.size() == 0) return answers;
  refresh_index(gallery);
  std::map<std::tuple<bool, int64_t, size_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < queries.size(); ++i) {
    const size_t alone = queries_interact_ ? i : 0;
    groups[{queries[i].image.has_value(), queries[i].top_k, alone}].push_back(i);
  }
  for (const auto& [key, members] : groups) {
    std::vector<const SearchQuery*> group;
    std::vector<SearchAnswer*> group_answers;
    for (const size_t i : members) {
      group.push_back(&queries[i]);
      group_answers.push_back(&answers[i]);
    }
    search_group(group, gallery, group_answers);
  }
  return answers;
}

void SearchEngine::search_group(const std::vector<const SearchQuery*>& group, const Gallery& gallery,
                                std::vector<SearchAnswer*>& answers) {
  const auto num_queries = static_cast<int64_t>(group.size());
  const int64_t top_k = group.front()->top_k;
  const bool with_images = group.front()->image.has_value();
  Matrix queries;
  queries.rows = num_queries;
  queries.cols = gallery.dim();
  std::map<int64_t, ImageRGB8> images;
  for (int64_t q = 0; q < num_queries; ++q) {
    const SearchQuery& query = *group[static_cast<size_t>(q)];
    queries.values.insert(queries.values.end(), query.embedding.begin(), query.embedding.end());
    if (query.image) images.emplace(kFirstQueryRow + q, *query.image);
  }
  const RetrievalProblem problem = make_problem(gallery, num_queries);

  std::vector<RetrievalPostprocessor*> steps;
  std::vector<std::string> skipped;
  for (size_t s = 0; s < specs_.size(); ++s) {
    if (!with_images && reads_query_image(specs_[s])) {
      skipped.push_back(specs_[s].token);
    } else {
      steps.push_back(steps_[s].get());
    }
  }
  // As `oml search`: the lists hold max(top_k, what the steps need) items, the answer top_k.
  const int64_t k = std::max(top_k, required_list_length(specs_));
  RetrievalResults results;
  results.query_rows = problem.query_rows;
  results.gallery_rows = problem.gallery_rows;
  results.lists = index_->search(queries, k, problem);
  for (int64_t q = 0; q < num_queries; ++q) {
    answers[static_cast<size_t>(q)]->retrieved =
        to_hits(results.lists[static_cast<size_t>(q)], results, gallery, top_k);
  }

  PostprocessingContext context{queries, gallery.embeddings(), problem};
  context.list_length = k;
  context.threads = index_options_.threads;
  context.dataframe = &gallery.dataframe();
  context.image_limits = image_limits_;
  context.row_images = &images;
  run_postprocessors(steps, results, context);
  for (int64_t q = 0; q < num_queries; ++q) {
    SearchAnswer& answer = *answers[static_cast<size_t>(q)];
    answer.results = to_hits(results.lists[static_cast<size_t>(q)], results, gallery, top_k);
    answer.skipped = skipped;
  }
}

}  // namespace oml::serve
