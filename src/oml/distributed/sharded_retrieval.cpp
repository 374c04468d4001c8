#include "oml/distributed/sharded_retrieval.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/distributed/top_k_merge.h"
#include "oml/metrics/fnmr_at_fmr.h"
#include "oml/retrieval/exact_index.h"
#include "oml/retrieval/problem_slice.h"

namespace oml::distributed {
namespace {

constexpr int64_t kFiniteCheckRows = 65536;

// Same message as require_embeddings_match (one process), for the rows of `range`.
void require_finite_rows(NpyRowReader& reader, const Dataframe& df, const std::string& path, RowRange range) {
  for (const RowRange& chunk : blocks_of(range.size(), kFiniteCheckRows)) {
    const Matrix rows = reader.read_range(range.begin + chunk.begin, range.begin + chunk.end);
    for (int64_t i = 0; i < rows.rows; ++i) {
      const float* values = rows.row(i);
      for (int64_t c = 0; c < rows.cols; ++c) {
        if (std::isfinite(values[c])) continue;
        const int64_t r = range.begin + chunk.begin + i;
        const int64_t line = df.rows[static_cast<size_t>(r)].line;
        throw InputError(path + ": row " + std::to_string(r) + " (" + df.where_line(line) + ") contains " +
                         (std::isnan(values[c]) ? "NaN" : "inf"));
      }
    }
  }
}

std::vector<int64_t> slice_rows(const std::vector<int64_t>& rows, RowRange range) {
  return std::vector<int64_t>(rows.begin() + range.begin, rows.begin() + range.end);
}

// Tiles of a one-process run over all `num_queries` queries, kept while the queries arrive in
// blocks: the query tile height is fixed to the one-process value and a block holds whole tiles.
struct QueryTiling {
  TileOptions tiles;
  int64_t block_rows = 0;
};

QueryTiling query_tiling(int64_t num_queries, TileOptions tiles) {
  tiles.query_block = effective_query_block(num_queries, tiles);
  tiles.fixed_query_block = true;
  tiles.progress_label = nullptr;
  return {tiles, std::max<int64_t>(1, kQueryBlock / tiles.query_block) * tiles.query_block};
}

}  // namespace

ShardedRetrievalInputs load_sharded_inputs(ProcessGroup& group, const std::string& csv,
                                           const std::string& root, const std::string& embeddings,
                                           bool need_categories) {
  ShardedRetrievalInputs inputs;
  inputs.df = read_dataframe(csv, root);
  if (group.is_root()) {
    for (const std::string& warning : inputs.df.warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  }
  require_validation_split(inputs.df);
  if (need_categories) require_query_categories(inputs.df);
  inputs.embeddings_path = embeddings;
  inputs.embeddings = std::make_unique<NpyRowReader>(embeddings);
  const int64_t n = static_cast<int64_t>(inputs.df.rows.size());
  if (inputs.embeddings->rows() != n) {
    throw InputError(embeddings + ": has " + std::to_string(inputs.embeddings->rows()) + " rows but " +
                     inputs.df.csv_path + " has " + std::to_string(n) + " data rows");
  }
  if (inputs.embeddings->cols() == 0) throw InputError(embeddings + ": embeddings have 0 columns");
  require_finite_rows(*inputs.embeddings, inputs.df, embeddings,
                      shard_rows(n, group.world_size(), group.rank()));
  inputs.problem = make_retrieval_problem(inputs.df);
  // Whole gallery tiles per rank: a rank's tiles are then exactly one process's tiles over the
  // same galleries, and so are their distances (see effective_query_block).
  inputs.gallery_shard = shard_batches(inputs.problem.num_galleries(), TileOptions{}.gallery_block,
                                       group.world_size(), group.rank());
  inputs.galleries =
      inputs.embeddings->read_rows(slice_rows(inputs.problem.gallery_rows, inputs.gallery_shard));
  return inputs;
}

RetrievalResults sharded_retrieve(ProcessGroup& group, ShardedRetrievalInputs& inputs, int64_t k,
                                  const TileOptions& tiles, const IndexOptions& index) {
  const RetrievalProblem& problem = inputs.problem;
  const RowRange shard = inputs.gallery_shard;
  RetrievalResults results;
  if (group.is_root()) {
    results.query_rows = problem.query_rows;
    results.gallery_rows = problem.gallery_rows;
    results.lists.reserve(static_cast<size_t>(problem.num_queries()));
  }
  std::unique_ptr<ProgressBar> progress;
  // Every rank counts; set_progress_output decides who draws (rank 0, or all with a prefix).
  if (tiles.progress_label) {
    progress = std::make_unique<ProgressBar>(tiles.progress_label, problem.num_queries(), "queries");
  }
  const QueryTiling tiling = query_tiling(problem.num_queries(), tiles);
  // An approximate index is built once over the shard; the exact one is a view of it per block.
  std::unique_ptr<NearestNeighborIndex> graph;
  if (index.kind != "exact") {
    IndexOptions options = index;
    options.threads = tiles.threads;
    options.show_progress = tiles.progress_label != nullptr;
    graph = make_index(options);
    graph->add(inputs.galleries);
  }
  for (const RowRange& block : blocks_of(problem.num_queries(), tiling.block_rows)) {
    const Matrix queries = inputs.embeddings->read_rows(slice_rows(problem.query_rows, block));
    const RetrievalProblem part = slice_problem(problem, block.begin, block.end, shard.begin, shard.end);
    std::vector<std::vector<Neighbor>> lists;
    if (graph) {
      lists = graph->search(queries, k, part);
    } else {
      ExactIndex exact(tiling.tiles);
      exact.add(inputs.galleries);
      lists = exact.search(queries, k, part);
    }
    for (auto& list : lists) {
      for (Neighbor& n : list) n.gallery += static_cast<int32_t>(shard.begin);  // shard -> whole gallery
    }
    const PackedLists packed = pack_lists(lists);
    const auto ids = group.gather(packed.ids, 0);
    const auto distances = group.gather(packed.distances, 0);
    if (progress) progress->advance(block.size());
    if (!group.is_root()) continue;
    std::vector<std::vector<std::vector<Neighbor>>> per_rank;
    for (int r = 0; r < group.world_size(); ++r) {
      per_rank.push_back(
          unpack_lists({ids[static_cast<size_t>(r)], distances[static_cast<size_t>(r)]}, block.size()));
    }
    std::vector<std::vector<Neighbor>> candidates(per_rank.size());
    for (int64_t q = 0; q < block.size(); ++q) {
      for (size_t r = 0; r < per_rank.size(); ++r)
        candidates[r] = std::move(per_rank[r][static_cast<size_t>(q)]);
      results.lists.push_back(merge_top_k(candidates, k));
    }
  }
  if (progress) progress->finish();
  return results;
}

std::vector<std::vector<std::optional<double>>> sharded_fnmr_at_fmr(ProcessGroup& group,
                                                                    ShardedRetrievalInputs& inputs,
                                                                    const std::vector<double>& fmrs,
                                                                    bool per_category,
                                                                    const TileOptions& tiles) {
  const RetrievalProblem& problem = inputs.problem;
  const RowRange shard = inputs.gallery_shard;
  // Every query against this rank's galleries; tiles are renumbered from block to whole-query ids.
  const RetrievalProblem part = slice_problem(problem, 0, problem.num_queries(), shard.begin, shard.end);
  const QueryTiling tiling = query_tiling(problem.num_queries(), tiles);
  const DistanceTileSource source = [&](const TileVisitor& visit, const TileOptions& options) {
    for (const RowRange& block : blocks_of(problem.num_queries(), tiling.block_rows)) {
      const Matrix queries = inputs.embeddings->read_rows(slice_rows(problem.query_rows, block));
      for_each_distance_tile(
          queries, inputs.galleries,
          [&](const DistanceTile& tile) {
            DistanceTile shifted = tile;
            shifted.q_begin += block.begin;
            shifted.q_end += block.begin;
            visit(shifted);
          },
          options);
    }
  };
  return streaming_fnmr_at_fmr(source, part, fmrs, per_category, tiling.tiles,
                               [&](std::vector<uint64_t>& counts) { group.all_reduce_sum(counts); });
}

}  // namespace oml::distributed
