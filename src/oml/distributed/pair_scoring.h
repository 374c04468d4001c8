#pragma once
// Pair scoring spread over the ranks of a torchrun job (pairwise re-ranking under `--post`):
// rank 0 runs the postprocessing chain and, for each re-ranking step, hands every rank a share of
// the step's (query row, gallery row) pairs; the other ranks wait in a loop, score their share
// with their own copy of the model and send the scores back, until rank 0 says the chain is over.
// Plain data in and out: the scorers are given by the caller (cli), this module knows no model.
//
// Identity with one process: shares are contiguous runs of whole forward batches (shard_batches
// over the pairs), and each rank scores its share from the start, so every pair goes through the
// same batch as in one process.
//
// Errors: a rank whose scorer throws sends its message to rank 0 instead of its scores; rank 0
// then throws "rank r: <message>" (InputError stays InputError). Whenever rank 0 leaves the chain
// with an error, abort() tells the waiting ranks, and each throws its own error, or rank 0's.
#include <cstdint>
#include <exception>
#include <functional>
#include <utility>
#include <vector>

#include "oml/distributed/process_group.h"

namespace oml::distributed {

using ScoredPairs = std::vector<std::pair<int64_t, int64_t>>;
using LocalPairScorer = std::function<std::vector<float>(const ScoredPairs&)>;

// Rank 0's side. Every call is matched by serve_pair_scoring on the other ranks.
class PairScoringCoordinator {
 public:
  explicit PairScoringCoordinator(ProcessGroup& group) : group_(group) {}

  // Scores `pairs` for the step numbered `step` (the caller's numbering, the same on every rank):
  // rank r scores shard_batches(pairs.size(), batch_size, W, r), rank 0 with `local`. Returns
  // every score in pair order. Throws the first failing rank's error (after every rank answered).
  std::vector<float> score(int64_t step, const ScoredPairs& pairs, int64_t batch_size,
                           const LocalPairScorer& local);

  // The chain is over: the other ranks return from serve_pair_scoring.
  void finish();
  // Rank 0 failed with `error`: the other ranks leave serve_pair_scoring with an error. Never
  // throws (a rank that is already gone is not waited for).
  void abort(const std::exception& error) noexcept;

 private:
  ProcessGroup& group_;
  bool closed_ = false;
};

// The other ranks' side: answers rank 0's requests until finish() (returns) or abort() (throws this
// rank's own scoring error if it had one, otherwise rank 0's). `scorer_for(step, batch_size)` gives
// this rank's scorer for a step; it is called once per request.
void serve_pair_scoring(ProcessGroup& group,
                        const std::function<LocalPairScorer(int64_t step, int64_t batch_size)>& scorer_for);

}  // namespace oml::distributed
