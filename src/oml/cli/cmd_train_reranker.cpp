// `oml train-reranker` (spec §6.3): trains OML's ConcatSiamese on hard-mined pairs from balanced
// batches of the train rows and writes a checkpoint OML's ConcatSiamese(weights=...) loads.
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdio>

#include "oml/cli/commands.h"
#include "oml/cli/distributed_training.h"
#include "oml/cli/light/torchrun.h"
#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/io/npy.h"
#include "oml/models/extractor.h"
#include "oml/models/siamese.h"
#include "oml/models/siamese_checkpoint.h"
#include "oml/models/zoo.h"
#include "oml/postprocessing/pairwise_reranker.h"
#include "oml/training/reranker_trainer.h"

namespace oml::cli {
namespace {

struct TrainRerankerOptions {
  std::string csv;
  std::string root;
  std::string embeddings;
  std::string weights;
  std::string arch;
  std::string mlp = "100";
  std::string mining = "hard";
  std::string pairs = "batch";
  bool tta = false;
  std::string precision = "fp32";
  RerankerTrainingOptions training;
};

MiningMode parse_mining(const std::string& text) {
  if (text == "hard") return MiningMode::kHard;
  if (text == "all") return MiningMode::kAll;
  throw InputError("--mining: expected hard or all, got '" + text + "'");
}

// "batch" | "knn" | "knn:top_n=N".
void parse_pairs(const std::string& text, RerankerTrainingOptions& training) {
  if (text == "batch") {
    training.pairs = PairSource::kBatch;
    return;
  }
  const std::string prefix = "knn:top_n=";
  if (text == "knn" || text.rfind(prefix, 0) == 0) {
    training.pairs = PairSource::kKnn;
    if (text != "knn") {
      const std::string number = text.substr(prefix.size());
      size_t used = 0;
      long long value = 0;
      try {
        value = std::stoll(number, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != number.size() || value < 1) {
        throw InputError("--pairs: expected knn:top_n=N with N >= 1, got '" + text + "'");
      }
      training.knn_top_n = value;
    }
    training.val_top_n = training.knn_top_n;
    return;
  }
  throw InputError("--pairs: expected batch, knn or knn:top_n=N, got '" + text + "'");
}

void run_train_reranker(TrainRerankerOptions options) {
  configure_threads(options.training.threads);
  require_output_location("--out", options.training.out);
  configure_training_precision(options.precision);
  options.training.mining = parse_mining(options.mining);
  parse_pairs(options.pairs, options.training);
  const auto mlp = parse_mlp_dims(options.mlp, "--mlp");
  const Dataframe df = read_dataframe(options.csv, options.root);
  require_train_split(df);
  require_image_files(df);
  const Matrix embeddings = read_npy(options.embeddings);
  require_embeddings_match(df, embeddings, options.embeddings);
  // "none" = OML's weights=None: the backbone starts from its random init.
  const bool from_scratch = options.weights == "none";
  ExtractorSource source;
  if (from_scratch) {
    source.spec.arch = options.arch.empty() ? "vits16" : options.arch;
    check_extractor_spec(source.spec);
  } else {
    source = resolve_extractor_source(options.weights, options.arch, false, zoo_cache_dir());
  }
  ExtractorSpec backbone = source.spec;
  backbone.normalise = false;  // OML's pipeline wraps an extractor built with normalise False

  // Seeds the head's init (and a from-scratch backbone's); loaded weights overwrite the backbone.
  torch::manual_seed(options.training.seed);
  ConcatSiamese model(make_extractor_module(backbone), mlp, options.tta);
  if (options.training.resume.empty() && !from_scratch)
    load_extractor_into_siamese(*model, source.weights_path);
  options.training.show_progress = true;
  const TrainingJob job = join_training_job();
  options.training.replicas = job.replicas.get();
  options.training.log = rank_log(job, stderr);
  const auto report = train_reranker(*model, df, embeddings, options.training);
  if (!job.is_root()) return;
  std::fprintf(stderr, "trained %s for epochs %lld..%lld: %lld steps, %lld pairs, %.1f s (%.2f steps/s)\n",
               describe_siamese(*model).c_str(), static_cast<long long>(report.first_epoch + 1),
               static_cast<long long>(options.training.epochs), static_cast<long long>(report.steps),
               static_cast<long long>(report.pairs), report.seconds,
               report.seconds > 0 ? static_cast<double>(report.steps) / report.seconds : 0.0);
  for (size_t e = 0; e < report.epoch_mean_losses.size(); ++e) {
    std::fprintf(stderr, "epoch %lld mean loss %.6f\n", static_cast<long long>(report.first_epoch + 1 + e),
                 report.epoch_mean_losses[e]);
  }
  if (report.validations.empty()) {
    std::fprintf(stderr, "wrote %s (and %s for --resume)\n", options.training.out.c_str(),
                 training_state_path(options.training.out).c_str());
  } else {
    const std::string last = last_reranker_checkpoint_path(options.training.out);
    std::fprintf(stderr,
                 "wrote %s (best epoch %lld on the held-out labels; its choice in %s.json), %s (last epoch; "
                 "--resume it)\nre-rank with --post pairwise:weights=%s,top_n=%lld,size=%d,arch=%s,fuse=%g\n",
                 options.training.out.c_str(), static_cast<long long>(report.best_epoch),
                 options.training.out.c_str(), last.c_str(), options.training.out.c_str(),
                 static_cast<long long>(options.training.val_top_n), options.training.image_size,
                 model->arch().c_str(), report.best_fuse);
  }
}

}  // namespace

void add_train_reranker_command(CLI::App& app) {
  auto options = std::make_shared<TrainRerankerOptions>();
  auto& training = options->training;
  auto* command =
      app.add_subcommand("train-reranker", "Train a ConcatSiamese pairwise re-ranker (OML's STIR recipe)");
  command->add_option("--csv", options->csv, "OML-format CSV (train rows are used)")->required();
  command->add_option("--root", options->root,
                      "Directory relative image paths start from (default: the CSV's)");
  command->add_option("--embeddings", options->embeddings, "E.npy from `oml extract`, one row per CSV row")
      ->required();
  command
      ->add_option("--weights", options->weights,
                   "extractor checkpoint or zoo name the siamese starts from; none = random init")
      ->required();
  command->add_option("--arch", options->arch,
                      "backbone: vits16|vits8|vitb16|vitb8|vitt16|resnet18|resnet34|resnet50|resnet101|"
                      "resnet152 (default vits16; zoo names set it)");
  command->add_option("--mlp", options->mlp, "head hidden sizes, e.g. 100 or 128-10")->capture_default_str();
  command->add_option("--size", training.image_size, "squash size of each image (pairs are 2S x S)")
      ->capture_default_str();
  command->add_option("--optimizer", training.optimizer, "sgd or adam (PyTorch defaults)")
      ->capture_default_str();
  command->add_option("--lr", training.lr, "learning rate")->capture_default_str();
  command->add_option("--n-labels", training.n_labels, "labels per batch")->capture_default_str();
  command->add_option("--n-instances", training.n_instances, "rows per label in a batch")
      ->capture_default_str();
  command->add_option("--epochs", training.epochs, "epochs in total (also with --resume)")
      ->capture_default_str();
  command->add_option("--mining", options->mining, "hard or all (the in-batch PairsMiner)")
      ->capture_default_str();
  command
      ->add_option("--pairs", options->pairs,
                   "batch (OML: in-batch mining only) or knn[:top_n=N] (also each anchor's top-N train "
                   "neighbours by --embeddings, default N 5)")
      ->capture_default_str();
  command
      ->add_option("--val-fraction", training.val_fraction,
                   "share of train labels held out to validate on after every epoch (0 = none); "
                   "--out then gets the best epoch and OUT.last.pth the last")
      ->capture_default_str();
  command->add_option("--seed", training.seed, "seed of the sampler, head init and dropout")
      ->capture_default_str();
  command->add_flag("--freeze-backbone", training.freeze_backbone, "train only the head");
  command->add_flag("--tta", options->tta, "stored for completeness; training always uses one order");
  command->add_option("--threads", training.threads, "model and decoding threads (0 = all cores)")
      ->capture_default_str();
  add_training_precision_option(command, options->precision);
  command->add_option("--resume", training.resume,
                      "continue from a checkpoint of this command (needs CKPT.state)");
  add_max_image_pixels_option(command, training.image_limits);
  command->add_option("--out", training.out, "checkpoint .pth, written after every epoch")->required();
  command->callback([options] { run_train_reranker(*options); });
}

}  // namespace oml::cli
