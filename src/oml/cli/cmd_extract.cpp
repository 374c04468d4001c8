// `oml extract` = OML's inference_on_dataframe (spec §5): embeds every CSV row, train and
// validation, in CSV order, and writes float32 [N, D] .npy atomically. Images are decoded and
// transformed on prefetch threads while the model runs on the previous batch.
#include <cstdio>
#include <thread>

#include "oml/cli/commands.h"
#include "oml/cli/distributed_job.h"
#include "oml/cli/extractor_options.h"
#include "oml/cli/light/torchrun.h"
#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/data/dataframe.h"
#include "oml/data/loader.h"
#include "oml/distributed/sharding.h"
#include "oml/io/npy.h"
#include "oml/models/extractor.h"
#include "oml/models/zoo.h"

namespace oml::cli {
namespace {

struct ExtractOptions {
  std::string csv;
  std::string root;
  ExtractorOptions extractor;
  int batch_size = 32;
  int threads = 0;
  bool crop_bboxes = false;
  ImageLimits image_limits = {};
  std::string out;
};

void run_extract(const ExtractOptions& options) {
  if (options.batch_size < 1) throw InputError("--batch-size: expected a number >= 1");
  const Precision precision = parse_precision(options.extractor.precision);
  configure_threads(options.threads);
  require_output_location("--out", options.out);
  const size_t decode_threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                                    : std::max(1u, std::thread::hardware_concurrency());

  // Under torchrun each rank embeds whole batches of one contiguous share of the rows (the batches
  // a one-process run forms), and rank 0 gathers them in rank order and writes the file.
  const auto job = join_job();
  const Dataframe df = read_dataframe(options.csv, options.root);
  require_image_files(df);
  const auto total_rows = static_cast<int64_t>(df.rows.size());
  const distributed::RowRange own =
      job ? distributed::shard_batches(total_rows, options.batch_size, job->world_size(), job->rank())
          : distributed::RowRange{0, total_rows};
  // Validate the transform before a zoo download can start.
  check_transform_before_download(options.extractor);
  const ExtractorSpec requested = requested_extractor_spec(options.extractor);
  // One zoo download per job: rank 0 fills the cache, the others read it afterwards.
  if (job && !job->is_root()) job->barrier();
  const ExtractorSource source =
      resolve_extractor_source(options.extractor.weights, requested, zoo_cache_dir());
  if (job && job->is_root()) job->barrier();
  const TransformSpec transform = choose_transform(options.extractor, source.zoo_entry);
  ImageEmbedder embedder(source, precision);

  std::vector<ImageLoadItem> items;
  items.reserve(static_cast<size_t>(own.size()));
  for (int64_t r = own.begin; r < own.end; ++r) {
    const DataframeRow& row = df.rows[static_cast<size_t>(r)];
    // OML's inference ignores boxes (spec §2.2); cropping is an explicit opt-in.
    items.push_back({row.image_path, options.crop_bboxes ? row.bbox : std::nullopt, df.where(row.row)});
  }
  ImageBatchLoader loader(std::move(items), transform, static_cast<size_t>(options.batch_size),
                          decode_threads, options.image_limits);

  Matrix embeddings;
  embeddings.rows = own.size();
  embeddings.cols = embedder.feat_dim();
  embeddings.values.resize(static_cast<size_t>(embeddings.rows * embeddings.cols));
  ProgressBar progress("extract", embeddings.rows, "images");
  while (auto batch = loader.next()) {
    embedder.embed(batch->values.data(), static_cast<int64_t>(batch->count), batch->height, batch->width,
                   embeddings.row(static_cast<int64_t>(batch->first_index)));
    progress.advance(static_cast<int64_t>(batch->count));
  }
  progress.finish();
  if (job) {
    std::vector<std::vector<float>> parts = job->gather(embeddings.values, 0);
    if (!job->is_root()) return;
    embeddings.rows = total_rows;
    embeddings.values.clear();
    embeddings.values.reserve(static_cast<size_t>(total_rows * embeddings.cols));
    for (auto& part : parts) {
      embeddings.values.insert(embeddings.values.end(), part.begin(), part.end());
      std::vector<float>().swap(part);
    }
  }
  write_npy(options.out, embeddings);
  std::fprintf(stderr, "wrote %s: %lld x %lld float32 (%s, %s, %s)\n", options.out.c_str(),
               static_cast<long long>(embeddings.rows), static_cast<long long>(embeddings.cols),
               source.spec.arch.c_str(), source.spec.normalise ? "normalised" : "raw features",
               transform.describe().c_str());
}

}  // namespace

void add_extract_command(CLI::App& app) {
  auto options = std::make_shared<ExtractOptions>();
  auto* command =
      app.add_subcommand("extract", "Embed every image of a CSV with a ViT or ResNet extractor (CSV order)");
  command->add_option("--csv", options->csv, "OML-format CSV")->required();
  command->add_option("--root", options->root,
                      "Directory relative image paths start from (default: the CSV's)");
  add_extractor_options(command, options->extractor);
  command->add_option("--batch-size", options->batch_size, "images per forward pass")->capture_default_str();
  command->add_option("--threads", options->threads, "model and decoding threads (0 = all cores)")
      ->capture_default_str();
  command->add_flag("--crop-bboxes", options->crop_bboxes,
                    "crop to the CSV's x_1,x_2,y_1,y_2 boxes first (OML's extract ignores them)");
  add_max_image_pixels_option(command, options->image_limits);
  command->add_option("--out", options->out, "output .npy, float32 [rows, dim]")->required();
  command->callback([options] { run_extract(*options); });
}

}  // namespace oml::cli
