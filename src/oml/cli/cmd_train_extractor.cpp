#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "oml/cli/commands.h"
#include "oml/cli/distributed_training.h"
#include "oml/cli/light/torchrun.h"
#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/training/extractor_trainer.h"

namespace oml::cli {
namespace {

struct TrainExtractorArgs {
  training::ExtractorTrainingOptions options;
  std::string loss = "triplet";
  std::string miner = "all";
  std::string margin = "0.2";
  std::string optimizer = "adamw";
  std::string schedule = "cosine";
  std::string best_by = "map5";
  std::string normalise_gradient = "detached";
  std::string precision = "fp32";
  bool no_normalise = false;
  bool no_augment = false;
  bool quiet = false;
  std::string baseline;
  std::string baseline_npy;
};

double parse_margin(const std::string& text, bool& soft) {
  soft = text == "soft";
  if (soft) return 0.0;
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size() && value >= 0.0) return value;
  } catch (const std::exception&) {
  }
  throw InputError("--margin: expected a number >= 0 or 'soft', got '" + text + "'");
}

void run_raw_pixel_baseline(const TrainExtractorArgs& args) {
  if (args.baseline != "raw-pixels")
    throw InputError("--baseline: expected raw-pixels, got '" + args.baseline + "'");
  const auto& o = args.options;
  const auto scores = training::evaluate_raw_pixel_baseline(o.csv_path, o.root, o.size, o.threads,
                                                            args.baseline_npy, o.image_limits);
  for (const auto& warning : scores.warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  std::printf("raw pixels %dx%d (%lld queries): CMC@1 %s, CMC@5 %s, mAP@5 %s, mAP@10 %s\n", o.size, o.size,
              static_cast<long long>(scores.queries), training::format_score(scores.cmc1).c_str(),
              training::format_score(scores.cmc5).c_str(), training::format_score(scores.map5).c_str(),
              training::format_score(scores.map10).c_str());
  if (!args.baseline_npy.empty()) std::printf("wrote %s\n", args.baseline_npy.c_str());
}

void run(TrainExtractorArgs& args) {
  configure_threads(args.options.threads);
  configure_training_precision(args.precision);
  if (!args.baseline.empty()) {
    run_raw_pixel_baseline(args);
    return;
  }
  auto& o = args.options;
  if (o.out_path.empty()) throw InputError("--out: required");
  require_output_location("--out", o.out_path);
  o.loss = training::parse_extractor_loss(args.loss);
  o.triplet.miner = training::parse_triplet_miner(args.miner);
  o.triplet.margin = parse_margin(args.margin, o.triplet.soft_margin);
  o.optimizer = training::parse_optimizer(args.optimizer);
  o.schedule = training::parse_lr_schedule(args.schedule);
  o.best_metric = training::parse_best_metric(args.best_by);
  o.normalise = !args.no_normalise;
  o.normalise_gradient = training::parse_normalise_gradient(args.normalise_gradient);
  o.augmentation.enabled = !args.no_augment;
  o.augmentation.contrast = o.augmentation.saturation = o.augmentation.brightness;
  o.show_progress = !args.quiet;
  const TrainingJob job = join_training_job();
  o.replicas = job.replicas.get();
  if (job.group) o.log = rank_log(job, stdout);
  const auto summary = training::train_extractor(o);
  if (summary.best_epoch > 0 && job.is_root()) {
    std::printf(
        "done: best epoch %lld%s -> %s\n", static_cast<long long>(summary.best_epoch),
        summary.best_score ? fmt::format(" ({} {:.4f})", args.best_by, *summary.best_score).c_str() : "",
        o.out_path.c_str());
  }
}

}  // namespace

void add_train_extractor_command(CLI::App& app) {
  auto args = std::make_shared<TrainExtractorArgs>();
  auto& o = args->options;
  auto* cmd =
      app.add_subcommand("train-extractor", "Train a ViT or ResNet extractor with a metric-learning loss");
  cmd->add_option("--csv", o.csv_path, "OML-format CSV (train split to learn, validation split to score)")
      ->required();
  cmd->add_option("--root", o.root, "Directory the CSV paths are relative to (default: the CSV's directory)");
  cmd->add_option("--out", o.out_path,
                  "Best checkpoint (.pth); side files OUT.last.pth, OUT.optimizer.pt, OUT.state.json");
  cmd->add_option("--arch", o.arch,
                  "vitt16, vits16, vits8, vitb16, vitb8, resnet18, resnet34, resnet50, resnet101, resnet152")
      ->capture_default_str();
  cmd->add_option("--gem-p", o.gem_p, "ResNets: GeM pooling with this power (default: average pooling)");
  cmd->add_option("--weights", o.weights,
                  "Initial weights (.pth/.ckpt); default: random init (DINO's for ViTs, torchvision's for "
                  "ResNets)");
  cmd->add_option("--size", o.size, "Images are squashed to SIZE x SIZE")->capture_default_str();
  cmd->add_flag("--no-normalise", args->no_normalise,
                "Train on raw features (default: L2-normalised, so extract with --normalise)");
  cmd->add_option(
         "--normalise-gradient", args->normalise_gradient,
         "detached (OML: the norm is a constant in backward) | full (through the norm; keeps ResNets "
         "trained from scratch from collapsing to zero features)")
      ->capture_default_str();
  cmd->add_option("--loss", args->loss, "triplet | arcface")->capture_default_str();
  cmd->add_option("--margin", args->margin, "Triplet margin, or 'soft' for log(1+exp(d_ap-d_an))")
      ->capture_default_str();
  cmd->add_option("--miner", args->miner,
                  "Triplet miner: all (every valid triplet, OML's default) | hard (hardest positive/negative "
                  "per anchor)")
      ->capture_default_str();
  cmd->add_option("--arcface-s", o.arcface.scale, "ArcFace scale s")->capture_default_str();
  cmd->add_option("--arcface-m", o.arcface.margin, "ArcFace additive angular margin m (radians)")
      ->capture_default_str();
  cmd->add_option("--optimizer", args->optimizer, "adamw | sgd")->capture_default_str();
  cmd->add_option("--lr", o.lr, "Base learning rate")->capture_default_str();
  cmd->add_option("--weight-decay", o.weight_decay, "Weight decay (not on biases, norms, tokens)")
      ->capture_default_str();
  cmd->add_option("--momentum", o.momentum, "SGD momentum")->capture_default_str();
  cmd->add_option("--schedule", args->schedule, "cosine | step | none")->capture_default_str();
  cmd->add_option("--warmup-epochs", o.warmup_epochs, "Linear warm-up length in epochs (fractions allowed)")
      ->capture_default_str();
  cmd->add_option("--step-epochs", o.step_epochs,
                  "step schedule: multiply the rate by --step-gamma every N epochs")
      ->capture_default_str();
  cmd->add_option("--step-gamma", o.step_gamma, "step schedule: decay factor")->capture_default_str();
  cmd->add_option("--n-labels", o.n_labels, "Labels per batch (BalanceSampler)")->capture_default_str();
  cmd->add_option("--n-instances", o.n_instances, "Images per label in a batch")->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "Total epochs (an epoch = #train labels // n-labels batches)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of initialisation, batches and augmentation")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Threads (0 = all cores)")->capture_default_str();
  add_training_precision_option(cmd, args->precision);
  cmd->add_flag("--resume", o.resume, "Continue from OUT.state.json after its last finished epoch");
  cmd->add_option("--val-every", o.val_every, "Validate every N epochs and after the last (0 = never)")
      ->capture_default_str();
  cmd->add_option("--best-by", args->best_by, "Metric that picks the saved checkpoint: map5 | cmc1")
      ->capture_default_str();
  cmd->add_option("--eval-batch-size", o.eval_batch_size, "Batch size of validation inference")
      ->capture_default_str();
  cmd->add_flag("--no-augment", args->no_augment, "Train on squashed images without crop/colour jitter");
  cmd->add_option("--crop-scale", o.augmentation.crop_scale_min, "Smallest area fraction of the random crop")
      ->capture_default_str();
  cmd->add_option("--jitter", o.augmentation.brightness,
                  "Colour jitter strength (brightness, contrast, saturation factors in [1-j, 1+j])")
      ->capture_default_str();
  cmd->add_flag("--flip", o.augmentation.horizontal_flip,
                "Random horizontal flips (off: glyphs and text change class)");
  cmd->add_flag("--quiet", args->quiet, "No progress bar");
  cmd->add_option("--baseline", args->baseline,
                  "Instead of training: score the raw-pixel baseline (raw-pixels) on the validation split");
  cmd->add_option("--baseline-npy", args->baseline_npy,
                  "With --baseline: also write those embeddings as .npy");
  add_max_image_pixels_option(cmd, o.image_limits);
  cmd->callback([args] { run(*args); });
}

}  // namespace oml::cli
