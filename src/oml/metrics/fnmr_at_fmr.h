#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "oml/io/npy.h"
#include "oml/retrieval/distance_tiles.h"
#include "oml/retrieval/retrieval_problem.h"

namespace oml {

// NumPy's default (linear) quantile of a sorted sample, given its order statistics x_lo = x[⌊h⌋]
// and x_hi = x[⌊h⌋+1] with h = (n−1)·f (spec §11.3, including NumPy's b−(b−a)(1−t) for t ≥ 0.5).
double linear_quantile_between(double x_lo, double x_hi, double fraction_of_step);

// Dense reference: fnmr@fmr = mean(pos >= quantile(neg, fmr)); nullopt if pos or neg is empty.
std::vector<std::optional<double>> fnmr_at_fmr(const std::vector<float>& pos, const std::vector<float>& neg,
                                               const std::vector<double>& fmrs);

// The same over every non-ignored (query, gallery) pair of `problem`, streamed from distance tiles
// (never Q×G in memory). Group 0 = all queries; with per_category, group 1+c = queries of
// category c. Result [group][fmr].
//   Negatives: two streaming passes; the first counts them in a histogram over the top 16 bits
//   of the float pattern (monotonic for non-negative floats), the second resolves the low 16 bits
//   inside the buckets holding the needed order statistics. Positives (gt pairs) are kept:
//   4 bytes each. Memory: threads × groups × 512 KiB of counters + 4 bytes per gt pair.
std::vector<std::vector<std::optional<double>>> streaming_fnmr_at_fmr(
    const Matrix& queries, const Matrix& galleries, const RetrievalProblem& problem,
    const std::vector<double>& fmrs, bool per_category, const TileOptions& tiles = {});

// Sums count buffers element-wise over every process that streams its own part of the pairs
// (a gallery shard each); null = this process sees every pair. Called the same number of times,
// with the same lengths, on every participant.
using CountReduction = std::function<void(std::vector<uint64_t>&)>;

// The same over distances streamed by `source` (e.g. the final distances after postprocessing).
// With `reduce_counts`, `source` and `problem` cover one part of the gallery; histograms and
// positive counts are summed across the parts, so every part gets the whole-gallery result,
// identical to one process (the statistic is made of counts only).
std::vector<std::vector<std::optional<double>>> streaming_fnmr_at_fmr(
    const DistanceTileSource& source, const RetrievalProblem& problem, const std::vector<double>& fmrs,
    bool per_category, const TileOptions& tiles = {}, const CountReduction& reduce_counts = nullptr);

}  // namespace oml
