#include "oml/postprocessing/k_reciprocal.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "oml/retrieval/top_k.h"

namespace oml {
namespace {

// Validation rows that are queries or galleries, each once, and where every side's item sits.
struct NodeSet {
  Matrix embeddings;
  std::vector<int32_t> node_of_query;
  std::vector<int32_t> node_of_gallery;
};

NodeSet collect_nodes(const PostprocessingContext& context) {
  const RetrievalProblem& p = context.problem;
  NodeSet nodes;
  nodes.embeddings.cols = context.queries.cols;
  nodes.node_of_query.resize(p.query_rows.size());
  nodes.node_of_gallery.resize(p.gallery_rows.size());
  // Both row lists are in CSV order, so a merge visits the union in CSV order.
  size_t q = 0, g = 0;
  auto append = [&](const float* v) {
    nodes.embeddings.values.insert(nodes.embeddings.values.end(), v, v + nodes.embeddings.cols);
    return static_cast<int32_t>(nodes.embeddings.rows++);
  };
  while (q < p.query_rows.size() || g < p.gallery_rows.size()) {
    const bool take_query =
        g == p.gallery_rows.size() || (q < p.query_rows.size() && p.query_rows[q] <= p.gallery_rows[g]);
    const bool take_gallery =
        q == p.query_rows.size() || (g < p.gallery_rows.size() && p.gallery_rows[g] <= p.query_rows[q]);
    const int32_t node = append(take_gallery ? context.galleries.row(static_cast<int64_t>(g))
                                             : context.queries.row(static_cast<int64_t>(q)));
    if (take_query) nodes.node_of_query[q++] = node;
    if (take_gallery) nodes.node_of_gallery[g++] = node;
  }
  return nodes;
}

// Each node's first `ranked` nodes (itself first, then by distance, ties → lower node) and its
// largest squared distance to any node: one streaming pass over node × node tiles.
struct NeighborGraph {
  std::vector<std::vector<int32_t>> ranking;
  std::vector<float> row_max;  // max_k d(i,k)²

  // N(i, m) membership: is `i` among the first m of j's ranking?
  bool ranks_within(int32_t j, int32_t i, int64_t m) const {
    const auto& r = ranking[static_cast<size_t>(j)];
    const size_t end = std::min(r.size(), static_cast<size_t>(m));
    return std::find(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(end), i) !=
           r.begin() + static_cast<std::ptrdiff_t>(end);
  }

  // R(i,k) = { j ∈ N(i,k+1) : i ∈ N(j,k+1) }, sorted by node.
  std::vector<int32_t> reciprocal(int32_t i, int64_t k) const {
    const auto& r = ranking[static_cast<size_t>(i)];
    const size_t end = std::min(r.size(), static_cast<size_t>(k + 1));
    std::vector<int32_t> out;
    for (size_t t = 0; t < end; ++t) {
      if (ranks_within(r[t], i, k + 1)) out.push_back(r[t]);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

NeighborGraph build_graph(const Matrix& nodes, int64_t ranked, const PostprocessingContext& context) {
  const int64_t n = nodes.rows;
  std::vector<BoundedTopK> tops(static_cast<size_t>(n), BoundedTopK(ranked - 1));
  NeighborGraph graph;
  graph.row_max.assign(static_cast<size_t>(n), 0.0f);
  TileOptions tiles;
  tiles.threads = context.threads;
  tiles.progress_label = context.show_progress ? "krnn: neighbour graph" : nullptr;
  for_each_distance_tile(
      nodes, nodes,
      [&](const DistanceTile& tile) {
        for (int64_t i = tile.q_begin; i < tile.q_end; ++i) {
          const float* d = tile.row(i);
          BoundedTopK& top = tops[static_cast<size_t>(i)];
          float& row_max = graph.row_max[static_cast<size_t>(i)];
          float threshold = top.threshold();
          for (int64_t j = tile.g_begin; j < tile.g_end; ++j) {
            const float dj = d[j - tile.g_begin];
            row_max = std::max(row_max, dj * dj);
            // Nodes arrive in increasing order, so strict < keeps "ties → lower node".
            if (dj < threshold && j != i) {
              top.push({static_cast<int32_t>(j), dj});
              threshold = top.threshold();
            }
          }
        }
      },
      tiles);
  graph.ranking.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    auto& r = graph.ranking[static_cast<size_t>(i)];
    r.push_back(static_cast<int32_t>(i));
    for (const Neighbor& nb : tops[static_cast<size_t>(i)].take_sorted()) r.push_back(nb.gallery);
  }
  return graph;
}

// A sparse row: (node, weight) sorted by node.
struct SparseEntry {
  int32_t index;
  float value;
};
using SparseRow = std::vector<SparseEntry>;

double squared_distance(const Matrix& m, int32_t a, int32_t b) {
  const float* x = m.row(a);
  const float* y = m.row(b);
  double sum = 0.0;
  for (int64_t c = 0; c < m.cols; ++c) {
    const double diff = static_cast<double>(x[c]) - y[c];
    sum += diff * diff;
  }
  return sum;
}

// Steps 1-3: R*(i) with the 2/3 expansion rule, then exp(−D) weights normalised to sum 1.
SparseRow encode_node(const NeighborGraph& graph, const Matrix& nodes, int32_t i,
                      const KReciprocalOptions& o) {
  // NumPy's around(k1/2): round half to even.
  const auto half = static_cast<int64_t>(std::nearbyint(static_cast<double>(o.k1) / 2.0));
  const std::vector<int32_t> base = graph.reciprocal(i, o.k1);
  std::vector<int32_t> expanded = base;
  std::vector<int32_t> shared;
  for (int32_t c : base) {
    const std::vector<int32_t> candidate = graph.reciprocal(c, half);
    shared.clear();
    std::set_intersection(candidate.begin(), candidate.end(), base.begin(), base.end(),
                          std::back_inserter(shared));
    if (3 * shared.size() > 2 * candidate.size())
      expanded.insert(expanded.end(), candidate.begin(), candidate.end());
  }
  std::sort(expanded.begin(), expanded.end());
  expanded.erase(std::unique(expanded.begin(), expanded.end()), expanded.end());

  const double row_max = graph.row_max[static_cast<size_t>(i)];
  std::vector<double> weights(expanded.size());
  double total = 0.0;
  for (size_t t = 0; t < expanded.size(); ++t) {
    const double scaled = row_max > 0.0 ? squared_distance(nodes, i, expanded[t]) / row_max : 0.0;
    weights[t] = std::exp(-scaled);
    total += weights[t];
  }
  SparseRow row(expanded.size());
  for (size_t t = 0; t < expanded.size(); ++t) row[t] = {expanded[t], static_cast<float>(weights[t] / total)};
  return row;
}

// Dense scratch for summing sparse rows: only touched slots are visited and reset.
struct SparseAccumulator {
  std::vector<double> sums;
  std::vector<int32_t> touched;
  explicit SparseAccumulator(size_t size) : sums(size, 0.0) {}
  void add(int32_t index, double value) {
    if (sums[static_cast<size_t>(index)] == 0.0) touched.push_back(index);
    sums[static_cast<size_t>(index)] += value;
  }
};

// Step 4: V'_i = mean of V_j over j ∈ N(i,k2).
std::vector<SparseRow> local_query_expansion(const std::vector<SparseRow>& v, const NeighborGraph& graph,
                                             int64_t k2, int threads) {
  if (k2 <= 1) return v;
  const auto n = static_cast<int64_t>(v.size());
  std::vector<SparseRow> expanded(v.size());
#pragma omp parallel num_threads(threads)
  {
    SparseAccumulator acc(v.size());
#pragma omp for schedule(dynamic, 64)
    for (int64_t i = 0; i < n; ++i) {
      const auto& r = graph.ranking[static_cast<size_t>(i)];
      const size_t used = std::min(r.size(), static_cast<size_t>(k2));
      for (size_t t = 0; t < used; ++t) {
        for (const SparseEntry& e : v[static_cast<size_t>(r[t])]) acc.add(e.index, e.value);
      }
      std::sort(acc.touched.begin(), acc.touched.end());
      SparseRow& out = expanded[static_cast<size_t>(i)];
      out.reserve(acc.touched.size());
      for (int32_t x : acc.touched) {
        out.push_back({x, static_cast<float>(acc.sums[static_cast<size_t>(x)] / static_cast<double>(used))});
        acc.sums[static_cast<size_t>(x)] = 0.0;
      }
      acc.touched.clear();
    }
  }
  return expanded;
}

// Step 5: d_J(q,g) = 1 − m/(2−m), m = Σ_x min(V'_q[x], V'_g[x]), for every gallery sharing
// support with q (others have d_J = 1), via an inverted index over the galleries' supports.
std::vector<std::vector<Neighbor>> jaccard_distances(const std::vector<SparseRow>& v, const NodeSet& nodes,
                                                     int threads) {
  std::vector<std::vector<SparseEntry>> holders(v.size());  // x -> (gallery, V'_g[x])
  for (size_t g = 0; g < nodes.node_of_gallery.size(); ++g) {
    for (const SparseEntry& e : v[static_cast<size_t>(nodes.node_of_gallery[g])]) {
      holders[static_cast<size_t>(e.index)].push_back({static_cast<int32_t>(g), e.value});
    }
  }
  const auto queries = static_cast<int64_t>(nodes.node_of_query.size());
  std::vector<std::vector<Neighbor>> out(static_cast<size_t>(queries));
#pragma omp parallel num_threads(threads)
  {
    SparseAccumulator acc(nodes.node_of_gallery.size());
#pragma omp for schedule(dynamic, 64)
    for (int64_t q = 0; q < queries; ++q) {
      for (const SparseEntry& e : v[static_cast<size_t>(nodes.node_of_query[static_cast<size_t>(q)])]) {
        for (const SparseEntry& h : holders[static_cast<size_t>(e.index)]) {
          acc.add(h.index, std::min(e.value, h.value));
        }
      }
      std::sort(acc.touched.begin(), acc.touched.end());
      auto& row = out[static_cast<size_t>(q)];
      row.reserve(acc.touched.size());
      for (int32_t g : acc.touched) {
        const double m = acc.sums[static_cast<size_t>(g)];
        row.push_back({g, static_cast<float>(1.0 - m / (2.0 - m))});
        acc.sums[static_cast<size_t>(g)] = 0.0;
      }
      acc.touched.clear();
    }
  }
  return out;
}

}  // namespace

void KReciprocalReranking::process(RetrievalResults& results, const PostprocessingContext& context,
                                   PostprocessingState& state) {
  const int threads = resolve_threads(context.threads);
  const NodeSet nodes = collect_nodes(context);
  const int64_t n = nodes.embeddings.rows;
  const int64_t ranked = std::min(std::max(options_.k1 + 1, options_.k2), n);
  const NeighborGraph graph = build_graph(nodes.embeddings, ranked, context);

  std::vector<SparseRow> v(static_cast<size_t>(n));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)
  for (int64_t i = 0; i < n; ++i) {
    v[static_cast<size_t>(i)] = encode_node(graph, nodes.embeddings, static_cast<int32_t>(i), options_);
  }
  v = local_query_expansion(v, graph, options_.k2, threads);

  FinalDistances& final_distances = state.final_distances;
  final_distances = FinalDistances{};
  final_distances.base_queries = context.queries;
  final_distances.base_galleries = context.galleries;
  final_distances.krnn = true;
  final_distances.krnn_lambda = static_cast<float>(options_.lambda);
  final_distances.krnn_inverse_row_max.resize(nodes.node_of_query.size());
  for (size_t q = 0; q < nodes.node_of_query.size(); ++q) {
    const float row_max = graph.row_max[static_cast<size_t>(nodes.node_of_query[q])];
    final_distances.krnn_inverse_row_max[q] = row_max > 0.0f ? 1.0f / row_max : 0.0f;
  }
  final_distances.krnn_jaccard = jaccard_distances(v, nodes, threads);
  v.clear();

  // Step 6: keep the K smallest d* among the non-ignored galleries, ties → lower gallery.
  std::vector<BoundedTopK> tops(nodes.node_of_query.size(), BoundedTopK(context.list_length));
  TileOptions tiles;
  tiles.threads = context.threads;
  tiles.progress_label = context.show_progress ? "krnn: re-ranking" : nullptr;
  final_distances.for_each_tile(
      [&](const DistanceTile& tile) {
        for (int64_t q = tile.q_begin; q < tile.q_end; ++q) {
          const float* d = tile.row(q);
          BoundedTopK& top = tops[static_cast<size_t>(q)];
          float threshold = top.threshold();
          for (int64_t g = tile.g_begin; g < tile.g_end; ++g) {
            const float dg = d[g - tile.g_begin];
            if (dg < threshold && !context.problem.is_ignored(q, g)) {
              top.push({static_cast<int32_t>(g), dg});
              threshold = top.threshold();
            }
          }
        }
      },
      tiles);
  results.lists.resize(tops.size());
  for (size_t q = 0; q < tops.size(); ++q) results.lists[q] = tops[q].take_sorted();
}

}  // namespace oml
