#pragma once
// Exact retrieval over a gallery split across the ranks of a torchrun job. Each rank holds only
// its gallery shard (G·D·4/W bytes) and reads queries block by block from the .npy; the per-rank
// top-k lists of every block are merged on rank 0 with the one-process tie rule, so the results
// are identical to one process searching the whole gallery.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/distributed/process_group.h"
#include "oml/distributed/sharding.h"
#include "oml/io/npy.h"
#include "oml/retrieval/distance_tiles.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml::distributed {

// Queries read and searched at a time (rounded down to whole query tiles): bounds the per-rank
// query memory (block × D floats) and rank 0's merge buffers (W × block × k neighbours).
constexpr int64_t kQueryBlock = 4096;

struct ShardedRetrievalInputs {
  Dataframe df;
  RetrievalProblem problem;  // the whole problem: row ids and labels only, O(N) integers
  std::string embeddings_path;
  std::unique_ptr<NpyRowReader> embeddings;  // open for query blocks and pcf rows
  RowRange gallery_shard;                    // this rank's positions in problem.gallery_rows:
                                             // whole 2048-row distance tiles, ~G/W
  Matrix galleries;                          // their embeddings
};

// The distributed counterpart of cli's load_retrieval_inputs, with the same checks and messages:
// CSV rules (warnings printed by rank 0 only), one embedding row per CSV row, no empty dimension,
// finite values (each rank checks a 1/W slice of the file's rows, streamed in chunks).
ShardedRetrievalInputs load_sharded_inputs(ProcessGroup& group, const std::string& csv,
                                           const std::string& root, const std::string& embeddings,
                                           bool need_categories);

// The k closest non-ignored galleries of every query, sorted by (distance, gallery index):
// complete on rank 0, lists empty on the other ranks. `tiles` sets the threads of each rank; a
// progress label makes rank 0 show progress over queries. With index.kind "exact" (or no index)
// the lists are those one process computes. With "hnsw" each rank builds one HNSW graph over its
// own shard (index's M, ef_construction, ef, seed) and rank 0 keeps the k best of the per-shard
// approximate lists: an approximation of its own, not one process's graph.
RetrievalResults sharded_retrieve(ProcessGroup& group, ShardedRetrievalInputs& inputs, int64_t k,
                                  const TileOptions& tiles, const IndexOptions& index = {});

// fnmr@fmr ([group][fmr], as streaming_fnmr_at_fmr) over every query × every gallery: each rank
// streams its shard, histograms and positive counts are summed with all-reduce. Same result on
// every rank, identical to one process.
std::vector<std::vector<std::optional<double>>> sharded_fnmr_at_fmr(ProcessGroup& group,
                                                                    ShardedRetrievalInputs& inputs,
                                                                    const std::vector<double>& fmrs,
                                                                    bool per_category,
                                                                    const TileOptions& tiles);

}  // namespace oml::distributed
