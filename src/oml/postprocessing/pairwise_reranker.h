#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "oml/data/image.h"
#include "oml/data/image_limits.h"
#include "oml/postprocessing/pipeline.h"
#include "oml/postprocessing/postprocessor.h"
#include "oml/retrieval/retrieval_results.h"

// Pairwise re-ranking (spec §10.3-10.4): the top_n items of every list are scored by a pairwise
// model (query image on top, candidate below) and reordered by that score; the tail is untouched.
namespace oml {

class PairwiseModel;

// Our merge rule on one list (OML 3.x/4.0 with a float32 factor and a stable sort): the first
// n = block_scores.size() items are sorted by score (stable); if a tail exists and the largest
// score exceeds the tail's first distance, the block is rescaled by float32(tail_d0 / s_max) and
// shifted by -1000·FLT_EPSILON so it stays ahead of the tail. The tail keeps its distances.
void merge_reranked_block(std::vector<Neighbor>& list, const std::vector<float>& block_scores);

// Re-ranks the first min(top_n, len) items of every list with `score` (called with all pairs at
// once, queries in order, candidates in list order). When `overrides` is given (per query,
// sorted by gallery), the block's new distances are recorded there for full-row consumers.
// With fuse = w > 0 the block is ordered by (1 - w)·score + w·d/d_max instead of the score alone,
// d being each item's distance before re-ranking and d_max the block's largest (score fusion,
// ours; off by default so OML's rule stays the default). w = 1 keeps the retrieval order.
void rerank_lists(RetrievalResults& results, int64_t top_n, const PairScoringFunction& score,
                  std::vector<std::vector<Neighbor>>* overrides = nullptr, double fuse = 0.0);

// rerank_lists in two halves, so one set of model scores can be merged with several fuse weights:
// the scores of every list's first min(top_n, len) items (queries in order), then the merge.
std::vector<float> score_top_blocks(const RetrievalResults& results, int64_t top_n,
                                    const PairScoringFunction& score);
void merge_scored_blocks(RetrievalResults& results, int64_t top_n, const std::vector<float>& scores,
                         double fuse, std::vector<std::vector<Neighbor>>* overrides = nullptr);

// Where the re-ranker's images come from: rows -> squash(size) tensors, decoded once.
struct PairScoringOptions {
  int image_size = 224;
  int64_t batch_size = 32;  // pairs per forward pass
  int threads = 0;          // decoding threads (0 = all cores)
  bool show_progress = false;
  // Upper bound on the cached squashed images (uint8); beyond it queries are processed in chunks
  // and an image needed by two chunks is decoded twice.
  int64_t cache_bytes = int64_t{4} << 30;
  ImageLimits image_limits = {};  // --max-image-pixels of the command (set from the context)
  const std::map<int64_t, ImageRGB8>* row_images = nullptr;  // decoded images by row (from the context)
};

// Scores pairs with `model.predict` in no-grad batches of options.batch_size, counted from the
// first pair (the cache never moves a batch boundary). Every image is read from `dataframe` (full
// image, no bbox) unless options.row_images holds it, squashed and cached by CSV row, so each
// distinct image is decoded once.
PairScoringFunction make_image_pair_scorer(PairwiseModel& model, const Dataframe& dataframe,
                                           const PairScoringOptions& options);

// The validated `--post pairwise:...` options.
struct PairwiseRerankerOptions {
  std::string weights;  // ConcatSiamese checkpoint
  int64_t top_n = 5;
  std::string arch = "vits16";
  std::vector<int64_t> mlp;  // empty = read from the checkpoint
  bool tta = false;
  double fuse = 0.0;  // weight of the kNN distance in the block score (see rerank_lists)
  PairScoringOptions scoring;
};

// Parses "100" / "128-10" (hidden sizes joined by '-', since ',' separates --post keys).
std::vector<int64_t> parse_mlp_dims(const std::string& text, const std::string& what);

// The `pairwise` postprocessor: builds the ConcatSiamese (weights loaded strictly) when
// constructed, so bad weights fail before any other step runs.
class PairwiseReranker : public RetrievalPostprocessor {
 public:
  explicit PairwiseReranker(PairwiseRerankerOptions options);
  ~PairwiseReranker() override;
  std::string name() const override { return "pairwise"; }
  void process(RetrievalResults& results, const PostprocessingContext& context,
               PostprocessingState& state) override;

  // What process() scores its pairs with, for a caller that spreads them (PairScoringExecutor):
  // the forward batch size (the `batch` key, capped for large images) and this process's scorer,
  // reading images through `context` (dataframe, threads, image limits, row images, progress).
  int64_t forward_batch_size() const;
  PairScoringFunction make_scorer(const PostprocessingContext& context);

 private:
  struct Model;
  PairwiseRerankerOptions options_;
  std::unique_ptr<Model> model_;
};

// The registry entry for `pairwise` (keys weights, top_n, size, arch, mlp, tta, batch).
PostprocessorEntry pairwise_postprocessor_entry();

}  // namespace oml
