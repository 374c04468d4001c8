// `oml extract` = OML's inference_on_dataframe (spec §5): embeds every CSV row, train and
// validation, in CSV order, and writes float32 [N, D] .npy atomically. Images are decoded and
// transformed on prefetch threads while the model runs on the previous batch.
#include <cstdio>
#include <thread>

#include "oml/cli/commands.h"
#include "oml/cli/distributed_job.h"
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
  std::string weights;
  std::string arch;  // empty = vits16, or the zoo's arch
  bool normalise = false;
  double gem_p = 0;  // 0 = not given (average pooling, or the zoo's)
  bool keep_fc = false;
  std::string transform = "squash";
  int size = 224;
  int batch_size = 32;
  int threads = 0;
  bool crop_bboxes = false;
  std::string precision = "fp32";
  ImageLimits image_limits = {};
  std::string out;
};

TransformSpec choose_transform(const ExtractOptions& options, const ZooEntry* zoo_entry) {
  if (options.size < 1) throw InputError("--size: expected a positive number of pixels");
  if (options.transform == "squash") return TransformSpec::squash(options.size);
  if (options.transform != "pretrained") {
    throw InputError("--transform: expected squash or pretrained, got '" + options.transform + "'");
  }
  if (!zoo_entry) throw InputError("--transform pretrained needs a zoo name for --weights");
  if (!zoo_entry->transform_spec) {
    throw InputError("--transform pretrained: the '" + zoo_entry->name + "' weights use OML's " +
                     zoo_entry->transform +
                     " (albumentations) recipe, which oml.cpp does not reproduce; use --transform squash");
  }
  return *zoo_entry->transform_spec;
}

void run_extract(const ExtractOptions& options) {
  if (options.batch_size < 1) throw InputError("--batch-size: expected a number >= 1");
  const Precision precision = parse_precision(options.precision);
  configure_threads(options.threads);
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
  if (options.transform == "pretrained" && !find_zoo_entry(options.weights))
    choose_transform(options, nullptr);
  ExtractorSpec requested;
  requested.arch = options.arch;
  requested.normalise = options.normalise;
  if (options.gem_p != 0) requested.gem_p = options.gem_p;
  requested.remove_fc = !options.keep_fc;
  // One zoo download per job: rank 0 fills the cache, the others read it afterwards.
  if (job && !job->is_root()) job->barrier();
  const ExtractorSource source = resolve_extractor_source(options.weights, requested, zoo_cache_dir());
  if (job && job->is_root()) job->barrier();
  const TransformSpec transform = choose_transform(options, source.zoo_entry);
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
  command->add_option("--weights", options->weights, "Checkpoint (.pth/.ckpt) or zoo name (see `oml zoo`)")
      ->required();
  command->add_option("--arch", options->arch,
                      "vits16|vits8|vitb16|vitb8|vitt16|resnet18|resnet34|resnet50|resnet101|resnet152|"
                      "resnet50_projector (default vits16; zoo names set it)");
  command->add_flag("--normalise", options->normalise, "L2-normalise the features (zoo names may set it)");
  command->add_option("--gem-p", options->gem_p,
                      "ResNets: GeM pooling with this power instead of average pooling (OML's gem_p)");
  command->add_flag("--keep-fc", options->keep_fc,
                    "ResNets: keep the fc layer (OML's remove_fc=False); default: pooled features");
  command
      ->add_option("--transform", options->transform,
                   "squash (S x S, aspect not kept) or pretrained (the zoo's)")
      ->capture_default_str();
  command->add_option("--size", options->size, "squash size S in pixels")->capture_default_str();
  command->add_option("--batch-size", options->batch_size, "images per forward pass")->capture_default_str();
  command->add_option("--threads", options->threads, "model and decoding threads (0 = all cores)")
      ->capture_default_str();
  command->add_flag("--crop-bboxes", options->crop_bboxes,
                    "crop to the CSV's x_1,x_2,y_1,y_2 boxes first (OML's extract ignores them)");
  command->add_option("--precision", options->precision, "fp32 or bf16 (faster, approximate)")
      ->capture_default_str();
  add_max_image_pixels_option(command, options->image_limits);
  command->add_option("--out", options->out, "output .npy, float32 [rows, dim]")->required();
  command->callback([options] { run_extract(*options); });
}

}  // namespace oml::cli
