// make_image_pair_scorer (declared in pairwise_reranker.h): the image side of pairwise re-ranking.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/data/dataframe.h"
#include "oml/data/image_io.h"
#include "oml/data/loader.h"
#include "oml/data/resample.h"
#include "oml/data/transforms.h"
#include "oml/models/siamese.h"
#include "oml/postprocessing/pairwise_reranker.h"

namespace oml {
namespace {

// Squashed (resized, not yet normalised) images by CSV row: 4x smaller than float tensors, and
// normalising a batch costs nothing next to the ViT.
using ImageCache = std::map<int64_t, ImageRGB8>;

size_t resolve_threads(int threads) {
  return threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
}

ImageRGB8 load_squashed(const Dataframe& df, int64_t row, const PairScoringOptions& options) {
  const int size = options.image_size;
  if (options.row_images) {
    const auto given = options.row_images->find(row);
    if (given != options.row_images->end())
      return resize_pillow(given->second, size, size, ResampleFilter::kBilinear);
  }
  const ImageLimits& limits = options.image_limits;
  const auto& item = df.rows.at(static_cast<size_t>(row));
  try {
    // The re-ranker reads full images: OML's pairwise pipeline ignores boxes (spec §2.2).
    return resize_pillow(read_image_rgb(item.image_path, limits), size, size, ResampleFilter::kBilinear);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", df.where(row), e.what()));
  }
}

// Keeps cached images this chunk still needs, decodes the missing ones on a thread pool.
ImageCache fill_cache(ImageCache previous, const std::set<int64_t>& rows, const Dataframe& df,
                      const PairScoringOptions& options) {
  ImageCache cache;
  std::vector<int64_t> missing;
  for (const int64_t row : rows) {
    auto found = previous.find(row);
    if (found != previous.end()) {
      cache.emplace(row, std::move(found->second));
    } else {
      missing.push_back(row);
    }
  }
  previous.clear();
  const size_t threads = resolve_threads(options.threads);
  OrderedPrefetcher<ImageRGB8> loader(
      missing.size(), [&](size_t i) { return load_squashed(df, missing[i], options); }, threads, 4 * threads);
  for (const int64_t row : missing) cache.emplace(row, *loader.next());
  return cache;
}

void copy_normalized(const ImageRGB8& image, float* out) {
  const ImageTensorCHW tensor = to_normalized_tensor(image);
  std::copy(tensor.values.begin(), tensor.values.end(), out);
}

class ImagePairScorer {
 public:
  ImagePairScorer(PairwiseModel& model, const Dataframe& df, PairScoringOptions options)
      : model_(model), df_(df), options_(options) {}

  std::vector<float> score(const std::vector<RowPair>& pairs) {
    std::vector<float> scores;
    scores.reserve(pairs.size());
    std::optional<ProgressBar> progress;
    if (options_.show_progress) progress.emplace("re-ranking", static_cast<int64_t>(pairs.size()), "pairs");
    const int64_t image_bytes = 3LL * options_.image_size * options_.image_size;
    const auto capacity = static_cast<size_t>(std::max<int64_t>(2, options_.cache_bytes / image_bytes));
    ImageCache cache;
    size_t begin = 0;
    const auto batch = static_cast<size_t>(options_.batch_size);
    while (begin < pairs.size()) {
      // The longest run of whole batches whose distinct images fit the cache (at least one batch):
      // batches stay where local(pairs) puts them, whatever the cache size.
      std::set<int64_t> rows;
      size_t end = begin;
      while (end < pairs.size()) {
        const size_t stop = std::min(pairs.size(), end + batch);
        std::vector<int64_t> added;
        for (size_t i = end; i < stop; ++i) {
          for (const int64_t row : {pairs[i].first, pairs[i].second}) {
            if (rows.insert(row).second) added.push_back(row);
          }
        }
        if (end > begin && rows.size() > capacity) {
          for (const int64_t row : added) rows.erase(row);
          break;
        }
        end = stop;
      }
      cache = fill_cache(std::move(cache), rows, df_, options_);
      score_chunk(pairs, begin, end, cache, scores, progress ? &*progress : nullptr);
      begin = end;
    }
    if (progress) progress->finish();
    return scores;
  }

 private:
  void score_chunk(const std::vector<RowPair>& pairs, size_t begin, size_t end, const ImageCache& cache,
                   std::vector<float>& scores, ProgressBar* progress) {
    const int64_t side = options_.image_size;
    const int64_t image_floats = 3 * side * side;
    torch::NoGradGuard no_grad;
    for (size_t start = begin; start < end; start += static_cast<size_t>(options_.batch_size)) {
      const auto count =
          static_cast<int64_t>(std::min(end - start, static_cast<size_t>(options_.batch_size)));
      auto first = torch::empty({count, 3, side, side}, torch::kFloat32);
      auto second = torch::empty({count, 3, side, side}, torch::kFloat32);
      for (int64_t i = 0; i < count; ++i) {
        const auto& [query, gallery] = pairs[start + static_cast<size_t>(i)];
        copy_normalized(cache.at(query), first.data_ptr<float>() + i * image_floats);
        copy_normalized(cache.at(gallery), second.data_ptr<float>() + i * image_floats);
      }
      const auto out = model_.predict(first, second).to(torch::kFloat32).contiguous();
      scores.insert(scores.end(), out.data_ptr<float>(), out.data_ptr<float>() + count);
      if (progress) progress->advance(count);
    }
  }

  PairwiseModel& model_;
  const Dataframe& df_;
  PairScoringOptions options_;
};

}  // namespace

PairScoringFunction make_image_pair_scorer(PairwiseModel& model, const Dataframe& dataframe,
                                           const PairScoringOptions& options) {
  if (options.image_size <= 0 || options.batch_size <= 0) {
    throw InputError("pairwise: size and batch must be positive");
  }
  return [&model, &dataframe, options](const std::vector<RowPair>& pairs) {
    ImagePairScorer scorer(model, dataframe, options);
    return scorer.score(pairs);
  };
}

}  // namespace oml
