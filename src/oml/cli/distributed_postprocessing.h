#pragma once
// The `--post` chain of a torchrun search/evaluate (docs/distributed.md): after the sharded
// retrieval, rank 0 runs the one-process chain on the merged lists, reading the whole query and
// gallery embeddings from the .npy only when a step (or fnmr@fmr) needs them; the pairs of every
// pairwise step are scored by all ranks (distributed/pair_scoring.h), the other ranks waiting in a
// scoring loop until rank 0's chain is over.
#include <memory>
#include <optional>
#include <vector>

#include "oml/data/image_limits.h"
#include "oml/distributed/process_group.h"
#include "oml/distributed/sharded_retrieval.h"
#include "oml/postprocessing/pipeline.h"

namespace oml::cli {

// Whether rank 0 needs every query and gallery embedding: qe, dba and krnn re-search them, and
// fnmr@fmr after postprocessing reads the final distance of every pair. threshold and pairwise
// read only the lists (and pairwise the images).
bool chain_reads_embeddings(const std::vector<PostprocessorSpec>& steps, bool final_distances_needed);

class DistributedChain {
 public:
  // Every rank builds every step before any collective: a bad checkpoint fails on every rank.
  DistributedChain(distributed::ProcessGroup& job, const std::vector<PostprocessorSpec>& specs);
  ~DistributedChain();

  // Rank 0: applies the chain to `results` (merged lists of length `list_length`) and returns the
  // final distances; with `whole_embeddings` it first drops its gallery shard and reads the Q query
  // and G gallery rows. Other ranks: drop their shard, score pairs for rank 0 until the chain is
  // over, return nullopt. An error on any rank ends every rank with an error.
  std::optional<FinalDistances> run(distributed::ShardedRetrievalInputs& inputs, RetrievalResults& results,
                                    int64_t list_length, int threads, const ImageLimits& image_limits,
                                    bool whole_embeddings);

 private:
  distributed::ProcessGroup& job_;
  std::vector<std::unique_ptr<RetrievalPostprocessor>> steps_;
};

}  // namespace oml::cli
