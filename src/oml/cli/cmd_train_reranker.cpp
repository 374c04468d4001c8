// `oml train-reranker` (spec §6.3): trains OML's ConcatSiamese on hard-mined pairs from balanced
// batches of the train rows and writes a checkpoint OML's ConcatSiamese(weights=...) loads.
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdio>

#include "oml/cli/commands.h"
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
  bool tta = false;
  std::string precision = "fp32";
  RerankerTrainingOptions training;
};

MiningMode parse_mining(const std::string& text) {
  if (text == "hard") return MiningMode::kHard;
  if (text == "all") return MiningMode::kAll;
  throw InputError("--mining: expected hard or all, got '" + text + "'");
}

void run_train_reranker(TrainRerankerOptions options) {
  configure_threads(options.training.threads);
  configure_training_precision(options.precision);
  options.training.mining = parse_mining(options.mining);
  const auto mlp = parse_mlp_dims(options.mlp, "--mlp");
  const Dataframe df = read_dataframe(options.csv, options.root);
  require_train_split(df);
  require_image_files(df);
  const Matrix embeddings = read_npy(options.embeddings);
  require_embeddings_match(df, embeddings, options.embeddings);
  const ExtractorSource source =
      resolve_extractor_source(options.weights, options.arch, false, zoo_cache_dir());

  // Seeds the head's init; the ViT's random init is overwritten by the extractor weights.
  torch::manual_seed(options.training.seed);
  ConcatSiamese model(source.config, mlp, options.tta);
  if (options.training.resume.empty()) load_extractor_into_siamese(*model, source.weights_path);
  options.training.show_progress = true;
  const auto report = train_reranker(*model, df, embeddings, options.training);
  std::fprintf(stderr, "trained %s for epochs %lld..%lld: %lld steps, %lld pairs, %.1f s (%.2f steps/s)\n",
               describe_siamese(*model).c_str(), static_cast<long long>(report.first_epoch + 1),
               static_cast<long long>(options.training.epochs), static_cast<long long>(report.steps),
               static_cast<long long>(report.pairs), report.seconds,
               report.seconds > 0 ? static_cast<double>(report.steps) / report.seconds : 0.0);
  for (size_t e = 0; e < report.epoch_mean_losses.size(); ++e) {
    std::fprintf(stderr, "epoch %lld mean loss %.6f\n", static_cast<long long>(report.first_epoch + 1 + e),
                 report.epoch_mean_losses[e]);
  }
  std::fprintf(stderr, "wrote %s (and %s for --resume)\n", options.training.out.c_str(),
               training_state_path(options.training.out).c_str());
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
      ->add_option("--weights", options->weights, "extractor checkpoint or zoo name the siamese starts from")
      ->required();
  command->add_option("--arch", options->arch,
                      "vits16|vits8|vitb16|vitb8|vitt16 (default vits16; zoo names set it)");
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
  command->add_option("--mining", options->mining, "hard or all")->capture_default_str();
  command->add_option("--seed", training.seed, "seed of the sampler, head init and dropout")
      ->capture_default_str();
  command->add_flag("--freeze-backbone", training.freeze_backbone, "train only the head");
  command->add_flag("--tta", options->tta, "stored for completeness; training always uses one order");
  command->add_option("--threads", training.threads, "model and decoding threads (0 = all cores)")
      ->capture_default_str();
  add_training_precision_option(command, options->precision);
  command->add_option("--resume", training.resume,
                      "continue from a checkpoint of this command (needs CKPT.state)");
  command->add_option("--out", training.out, "checkpoint .pth, written after every epoch")->required();
  command->callback([options] { run_train_reranker(*options); });
}

}  // namespace oml::cli
