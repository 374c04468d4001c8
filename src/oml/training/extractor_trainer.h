#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "oml/data/image_limits.h"
#include "oml/models/vit_config.h"
#include "oml/training/augmentations.h"
#include "oml/training/losses.h"
#include "oml/training/lr_schedule.h"
#include "oml/training/validation.h"

// `oml train-extractor`: metric learning of a ViT extractor on the train split of an OML CSV,
// validated on its validation split after epochs, with resumable state next to the output.
namespace oml::training {

class Replicas;

enum class ExtractorLossKind { kTriplet, kArcFace };
enum class OptimizerKind { kAdamW, kSgd };
enum class BestMetric { kMap5, kCmc1 };
// How training back-propagates through the L2 normalisation of the features. kDetached is OML's
// x / ||x|| with the norm detached: its gradient has a radial part that shrinks the features, and
// ResNets trained from scratch collapse to zero features (NaN) within a few epochs. kFull
// differentiates through the norm (the gradient is tangential), with the same forward values.
enum class NormaliseGradient { kDetached, kFull };

ExtractorLossKind parse_extractor_loss(const std::string& name);      // triplet | arcface
OptimizerKind parse_optimizer(const std::string& name);               // adamw | sgd
BestMetric parse_best_metric(const std::string& name);                // map5 | cmc1
NormaliseGradient parse_normalise_gradient(const std::string& name);  // detached | full

struct ExtractorTrainingOptions {
  std::string csv_path;
  std::string root;  // empty = the CSV's directory
  std::string arch = "vitt16";
  std::optional<ViTConfig> arch_override;  // a custom shape instead of `arch` (tests)
  std::string weights;                     // empty = random init (DINO's for ViTs, torchvision's for ResNets)
  std::optional<double> gem_p;             // ResNets: GeM pooling power (none = average pooling)
  std::string out_path;
  int size = 64;
  bool normalise = true;  // L2-normalised features (OML's normalise_features); extract with --normalise
  NormaliseGradient normalise_gradient = NormaliseGradient::kDetached;

  ExtractorLossKind loss = ExtractorLossKind::kTriplet;
  TripletLossOptions triplet;
  ArcFaceOptions arcface;

  OptimizerKind optimizer = OptimizerKind::kAdamW;
  double lr = 5e-4;
  double weight_decay = 0.05;  // not applied to biases, norms, cls_token, pos_embed
  double momentum = 0.9;       // SGD only
  LrScheduleKind schedule = LrScheduleKind::kCosine;
  double warmup_epochs = 1.0;
  int64_t step_epochs = 10;  // step schedule: decay period
  double step_gamma = 0.1;

  int64_t n_labels = 8;
  int64_t n_instances = 4;
  int64_t epochs = 10;
  uint64_t seed = 0;
  int threads = 0;  // data loading and retrieval; torch's pool is set by the caller
  bool resume = false;

  int64_t val_every = 1;  // validate after every n-th epoch and after the last; 0 = never
  BestMetric best_metric = BestMetric::kMap5;
  int64_t eval_batch_size = 128;
  AugmentationOptions augmentation;
  size_t image_cache_bytes = size_t{2} << 30;
  ImageLimits image_limits = {};  // --max-image-pixels

  bool show_progress = true;
  // Receives one line per event (epoch summary, validation, checkpoint); default prints to stdout.
  std::function<void(const std::string&)> log;

  // Data-parallel run (replicas.h): each global batch is split over the ranks, their features are
  // gathered for the loss and their gradients summed; rank 0 alone validates and writes files.
  // Null: one process.
  Replicas* replicas = nullptr;
};

struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  double mean_loss = 0.0;
  double last_lr = 0.0;
  double images_per_second = 0.0;  // training steps only (no validation)
  int64_t applied_steps = 0;
  int64_t skipped_steps = 0;  // non-finite loss or gradient: not applied (training/finite_step.h)
  std::optional<ValidationScores> validation;
  bool is_best = false;
};

struct TrainingSummary {
  int64_t first_epoch = 1;          // > 1 after --resume
  std::vector<double> step_losses;  // every step of this run, in order
  std::vector<EpochRecord> epochs;  // the epochs of this run
  int64_t best_epoch = 0;           // over the whole training, resumed parts included (0 = none)
  std::optional<double> best_score;
  int64_t steps_per_epoch = 0;
  int64_t batch_size = 0;
};

// Side files next to `out_path` that --resume reads: the last epoch's weights, optimizer state
// and a JSON record (epoch reached, best score, the options that must not change).
std::string last_checkpoint_path(const std::string& out_path);
std::string optimizer_state_path(const std::string& out_path);
std::string training_state_path(const std::string& out_path);

TrainingSummary train_extractor(const ExtractorTrainingOptions& options);

// The raw-pixel baseline on the validation split: squash(size) pixels as embeddings.
// Writes them as .npy (one row per CSV row, train rows zero) when `npy_out` is not empty.
ValidationScores evaluate_raw_pixel_baseline(const std::string& csv_path, const std::string& root, int size,
                                             int threads, const std::string& npy_out,
                                             const ImageLimits& image_limits = {});

}  // namespace oml::training
