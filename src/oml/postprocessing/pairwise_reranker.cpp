#include "oml/postprocessing/pairwise_reranker.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cfloat>
#include <numeric>

#include "oml/common/errors.h"
#include "oml/models/extractor_factory.h"
#include "oml/models/siamese.h"
#include "oml/models/siamese_checkpoint.h"
#include "oml/models/vit_config.h"

namespace oml {
namespace {

// OML 3.x/4.0's shift keeping the rescaled block strictly ahead of the tail, in float32.
constexpr float kBlockEpsilon = 1000.0f * FLT_EPSILON;

void record_overrides(std::vector<Neighbor>& row, const std::vector<Neighbor>& block) {
  for (const Neighbor& item : block) {
    auto by_gallery = [](const Neighbor& n, int32_t g) { return n.gallery < g; };
    auto at = std::lower_bound(row.begin(), row.end(), item.gallery, by_gallery);
    if (at != row.end() && at->gallery == item.gallery) {
      at->distance = item.distance;
    } else {
      row.insert(at, item);
    }
  }
}

}  // namespace

void merge_reranked_block(std::vector<Neighbor>& list, const std::vector<float>& block_scores) {
  const size_t n = block_scores.size();
  if (n > list.size()) throw std::invalid_argument("merge_reranked_block: more scores than list items");
  if (n == 0) return;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  // Stable: equal scores keep the retrieval order (OML's torch.sort is not stable).
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return block_scores[a] < block_scores[b]; });
  std::vector<Neighbor> block(n);
  for (size_t i = 0; i < n; ++i) block[i] = {list[order[i]].gallery, block_scores[order[i]]};
  if (n < list.size()) {
    const float tail_first = list[n].distance;
    const float largest = block.back().distance;
    if (largest > tail_first) {
      const float factor = tail_first / largest;
      for (auto& item : block) item.distance = item.distance * factor - kBlockEpsilon;
    }
  }
  std::copy(block.begin(), block.end(), list.begin());
}

std::vector<float> score_top_blocks(const RetrievalResults& results, int64_t top_n,
                                    const PairScoringFunction& score) {
  if (top_n < 1) throw InputError(fmt::format("pairwise: top_n must be >= 1, got {}", top_n));
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (size_t q = 0; q < results.lists.size(); ++q) {
    const auto& list = results.lists[q];
    const size_t n = std::min(static_cast<size_t>(top_n), list.size());
    for (size_t i = 0; i < n; ++i) {
      pairs.emplace_back(results.query_rows[q], results.gallery_rows[static_cast<size_t>(list[i].gallery)]);
    }
  }
  std::vector<float> scores = pairs.empty() ? std::vector<float>{} : score(pairs);
  if (scores.size() != pairs.size()) throw std::logic_error("pair scorer returned a wrong number of scores");
  return scores;
}

// `block` holds scores.size() items: the list's first ones, still in retrieval order.
void fuse_block_scores(const Neighbor* block, std::vector<float>& scores, double fuse) {
  if (fuse == 0) return;
  float largest = 0.0f;
  for (size_t i = 0; i < scores.size(); ++i) largest = std::max(largest, block[i].distance);
  const auto w = static_cast<float>(fuse);
  for (size_t i = 0; i < scores.size(); ++i) {
    const float relative = largest > 0 ? block[i].distance / largest : 0.0f;
    scores[i] = (1.0f - w) * scores[i] + w * relative;
  }
}

void merge_scored_blocks(RetrievalResults& results, int64_t top_n, const std::vector<float>& scores,
                         double fuse, std::vector<std::vector<Neighbor>>* overrides) {
  if (!(fuse >= 0 && fuse <= 1))
    throw InputError(fmt::format("pairwise: fuse must be in [0, 1], got {}", fuse));
  if (overrides && overrides->size() != results.lists.size()) overrides->resize(results.lists.size());
  size_t next = 0;
  for (size_t q = 0; q < results.lists.size(); ++q) {
    auto& list = results.lists[q];
    const size_t n = std::min(static_cast<size_t>(top_n), list.size());
    if (next + n > scores.size())
      throw std::logic_error("merge_scored_blocks: fewer scores than block items");
    std::vector<float> block_scores(scores.begin() + static_cast<std::ptrdiff_t>(next),
                                    scores.begin() + static_cast<std::ptrdiff_t>(next + n));
    fuse_block_scores(list.data(), block_scores, fuse);
    merge_reranked_block(list, block_scores);
    next += n;
    if (overrides) record_overrides((*overrides)[q], std::vector<Neighbor>(list.begin(), list.begin() + n));
  }
}

void rerank_lists(RetrievalResults& results, int64_t top_n, const PairScoringFunction& score,
                  std::vector<std::vector<Neighbor>>* overrides, double fuse) {
  const auto scores = score_top_blocks(results, top_n, score);
  merge_scored_blocks(results, top_n, scores, fuse, overrides);
}

std::vector<int64_t> parse_mlp_dims(const std::string& text, const std::string& what) {
  std::vector<int64_t> dims;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('-', start), text.size());
    const std::string part = text.substr(start, end - start);
    size_t used = 0;
    int64_t value = 0;
    try {
      value = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (part.empty() || used != part.size() || value <= 0) {
      throw InputError(fmt::format("{}: expected hidden sizes like 100 or 128-10, got '{}'", what, text));
    }
    dims.push_back(value);
    start = end + 1;
  }
  return dims;
}

namespace {

// Large batches of large pairs cost more than they save: buffers above glibc's mmap threshold
// (32 MiB, set in main) are fresh mappings whose pages fault in again on every forward, and 32
// stacked 448x224 pairs re-ranked 6x slower than batches of 4. The batch is therefore capped so
// that the biggest activations of a forward (attention scores B x heads x T x T, MLP hidden
// B x T x mlp; a ResNet's first feature map) stay within 16 MiB; at 64 px this leaves the requested
// 32 untouched.
int64_t pairs_per_forward(const ExtractorModule& extractor, int64_t image_size, int64_t requested) {
  const int64_t bytes_per_pair = 4 * extractor.activation_floats(2 * image_size, image_size);
  constexpr int64_t kActivationBudget = 16LL << 20;
  return std::clamp<int64_t>(kActivationBudget / std::max<int64_t>(1, bytes_per_pair), 1, requested);
}

ExtractorSpec siamese_backbone(const std::string& arch) {
  ExtractorSpec spec;
  spec.arch = arch;
  return spec;
}

}  // namespace

struct PairwiseReranker::Model {
  ConcatSiamese siamese{nullptr};
};

PairwiseReranker::PairwiseReranker(PairwiseRerankerOptions options)
    : options_(std::move(options)), model_(std::make_unique<Model>()) {
  if (options_.mlp.empty()) options_.mlp = read_siamese_mlp_dims(options_.weights);
  model_->siamese =
      ConcatSiamese(make_extractor_module(siamese_backbone(options_.arch)), options_.mlp, options_.tta);
  load_concat_siamese(*model_->siamese, options_.weights);
  model_->siamese->eval();  // dropout off
}

PairwiseReranker::~PairwiseReranker() = default;

int64_t PairwiseReranker::forward_batch_size() const {
  return pairs_per_forward(*model_->siamese->extractor(), options_.scoring.image_size,
                           options_.scoring.batch_size);
}

PairScoringFunction PairwiseReranker::make_scorer(const PostprocessingContext& context) {
  if (!context.dataframe) throw std::logic_error("pairwise re-ranking needs the dataframe to read images");
  PairScoringOptions scoring = options_.scoring;
  scoring.threads = context.threads;
  scoring.image_limits = context.image_limits;
  scoring.row_images = context.row_images;
  scoring.batch_size = forward_batch_size();
  scoring.show_progress = context.show_progress;
  return make_image_pair_scorer(*model_->siamese, *context.dataframe, scoring);
}

void PairwiseReranker::process(RetrievalResults& results, const PostprocessingContext& context,
                               PostprocessingState& state) {
  const PairScoringFunction local = make_scorer(context);
  PairScoringFunction score = local;
  if (context.pair_executor) {
    const PairScoringExecutor& executor = *context.pair_executor;
    const int64_t batch = forward_batch_size();
    // By value: the scorer outlives this block (ASan found `batch` read after its scope ended).
    score = [this, &executor, &local, batch](const std::vector<RowPair>& pairs) {
      return executor(*this, pairs, batch, local);
    };
  }
  rerank_lists(results, options_.top_n, score, &state.final_distances.overrides, options_.fuse);
}

PostprocessorEntry pairwise_postprocessor_entry() {
  constexpr double kLargest = 2147483647.0;
  PostprocessorEntry entry;
  entry.name = "pairwise";
  entry.summary = "ConcatSiamese re-ranking of each list's top_n (query image on top of the candidate)";
  entry.options = {
      {"weights", OptionType::kText, true, "", -1e300, 1e300, "ConcatSiamese checkpoint (.pth/.ckpt)"},
      {"top_n", OptionType::kInteger, false, "5", 1, kLargest, "items re-scored per query"},
      {"size", OptionType::kInteger, false, "224", 1, 4096, "squash size of each image"},
      {"arch", OptionType::kText, false, "vits16", -1e300, 1e300, "backbone: a ViT or ResNet arch"},
      {"mlp", OptionType::kText, false, "", -1e300, 1e300,
       "head hidden sizes, e.g. 100 or 128-10 (default: read from the checkpoint)"},
      {"tta", OptionType::kInteger, false, "0", 0, 1, "1 = average both pair orders"},
      {"batch", OptionType::kInteger, false, "32", 1, 65536,
       "most pairs per forward pass (fewer for large images)"},
      {"fuse", OptionType::kReal, false, "0", 0, 1,
       "weight w of the kNN distance in the block score (1-w)*P(negative) + w*d/d_max; 0 = OML's rule"},
  };
  entry.list_length_key = "top_n";
  entry.check = [](const PostprocessorOptions& o, const std::string& token) {
    if (o.has("mlp")) parse_mlp_dims(o.text("mlp"), "--post '" + token + "': mlp");
    check_extractor_spec(siamese_backbone(o.text("arch")));
  };
  entry.make = [](const PostprocessorOptions& o) -> std::unique_ptr<RetrievalPostprocessor> {
    PairwiseRerankerOptions options;
    options.weights = o.text("weights");
    options.top_n = o.integer("top_n");
    options.arch = o.text("arch");
    if (o.has("mlp")) options.mlp = parse_mlp_dims(o.text("mlp"), "pairwise mlp");
    options.tta = o.integer("tta") != 0;
    options.scoring.image_size = static_cast<int>(o.integer("size"));
    options.scoring.batch_size = o.integer("batch");
    options.fuse = o.real("fuse");
    return std::make_unique<PairwiseReranker>(std::move(options));
  };
  return entry;
}

}  // namespace oml
