#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "oml/data/image.h"
#include "oml/data/image_limits.h"
#include "oml/io/npy.h"
#include "oml/retrieval/distance_tiles.h"
#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml {

struct Dataframe;
class RetrievalPostprocessor;

// (query CSV row, gallery CSV row) pairs -> one score per pair, lower = more alike.
using RowPair = std::pair<int64_t, int64_t>;
using PairScoringFunction = std::function<std::vector<float>(const std::vector<RowPair>&)>;

// Who scores a re-ranking step's pairs; null in the context = the step itself, in this process.
// Called with the step, all its pairs (queries in order), its forward batch size and its own
// scorer `local`; returns one score per pair, equal to local(pairs). A caller may spread the pairs
// (e.g. over the processes of a torchrun job, cli): a share that starts on a multiple of
// batch_size and is scored by the same scorer from its start runs exactly the forward batches of
// local(pairs), so its scores are the same bits.
using PairScoringExecutor =
    std::function<std::vector<float>(const RetrievalPostprocessor& step, const std::vector<RowPair>& pairs,
                                     int64_t batch_size, const PairScoringFunction& local)>;

// What every postprocessor may read (plain data, not owned). Rows of `queries` / `galleries` are
// the stored embeddings aligned with results.query_rows / results.gallery_rows; `problem` carries
// the ignore rule of spec §10.1 (same row, same non-empty sequence) with sequences already
// interned to ids.
struct PostprocessingContext {
  const Matrix& queries;
  const Matrix& galleries;
  const RetrievalProblem& problem;
  int64_t list_length = 10;  // K: how many items every rebuilt list holds
  int threads = 0;           // 0 = all cores
  bool show_progress = false;
  // For postprocessors that read images (the pairwise re-ranker); may be null otherwise.
  const Dataframe* dataframe = nullptr;
  ImageLimits image_limits = {};  // the command's --max-image-pixels, for the same readers
  // Rows whose image is already decoded in memory (a query uploaded to `oml serve`, which has no
  // file); the readers use these instead of the dataframe's path. May be null.
  const std::map<int64_t, ImageRGB8>* row_images = nullptr;
  // Where the pairwise re-ranker's pairs are scored (see PairScoringExecutor); null = here.
  const PairScoringExecutor* pair_executor = nullptr;
};

// Every (query, gallery) distance after postprocessing (spec §11.3: fnmr@fmr reads the final full
// rows, not just the lists). Kept as a recipe, never as a Q×G matrix:
//   base      = ‖base_queries[q] − base_galleries[g]‖ (the stored embeddings until qe/dba
//               replace them with their unit-vector copies);
//   krnn      = when set, d* = (1−λ)·d_J(q,g) + λ·base²·inverse_row_max[q], with d_J = 1 except
//               on the pairs listed in jaccard[q] (sorted by gallery);
//   overrides = exact values for listed pairs (the pairwise re-ranker's blocks), applied last.
struct FinalDistances {
  Matrix base_queries;
  Matrix base_galleries;
  bool krnn = false;
  float krnn_lambda = 0.0f;
  std::vector<float> krnn_inverse_row_max;          // per query; 0 when the row maximum is 0
  std::vector<std::vector<Neighbor>> krnn_jaccard;  // per query: (gallery, d_J) with d_J < 1
  std::vector<std::vector<Neighbor>> overrides;     // per query: (gallery, distance), sorted

  // Records new distances for some of query q's pairs (a re-ranker's block); later calls win.
  void override_pairs(int64_t q, const std::vector<Neighbor>& pairs);

  // Streams the final distance of every query × gallery pair, ignored pairs included, with the
  // guarantees of for_each_distance_tile (each query block owned by one worker, gallery blocks
  // in increasing order). Memory: one extra tile per worker.
  void for_each_tile(const TileVisitor& visit, const TileOptions& options = {}) const;
};

// What a step hands on to later steps and, at the end, to the metrics.
struct PostprocessingState {
  // Unit-length copies used by qe/dba (spec §14): empty until the first qe/dba step fills them;
  // qe replaces unit_queries with the expanded q', dba replaces unit_galleries.
  Matrix unit_queries;
  Matrix unit_galleries;
  FinalDistances final_distances;

  // Starts from plain Euclidean distances between the stored embeddings.
  static PostprocessingState initial(const PostprocessingContext& context);
  // Fills unit_queries / unit_galleries from the stored embeddings if still empty.
  void ensure_unit_vectors(const PostprocessingContext& context);
};

// A step between retrieval and metrics, in the spirit of OML's RetrievalPostprocessor: it rewrites
// the per-query lists (never adding an ignored item) and records how every pair's distance changed.
class RetrievalPostprocessor {
 public:
  virtual ~RetrievalPostprocessor() = default;
  virtual std::string name() const = 0;
  virtual void process(RetrievalResults& results, const PostprocessingContext& context,
                       PostprocessingState& state) = 0;
};

// L2-normalised copy of every row; an all-zero row stays zero.
Matrix normalized_rows(const Matrix& m);

// The k nearest non-ignored galleries of every query by exact Euclidean distance, through the
// retrieval module's streaming exact index.
std::vector<std::vector<Neighbor>> exact_search(const Matrix& queries, const Matrix& galleries,
                                                const RetrievalProblem& problem, int64_t k, int threads,
                                                bool show_progress);

}  // namespace oml
