#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "oml/data/image_limits.h"
#include "oml/training/pairs_miner.h"

// The training loop of `oml train-reranker` (spec §6.3, the note's loop): BalanceSampler batches
// of train rows, pairs mined on the precomputed embeddings, BCEWithLogits(logit, is_negative).
namespace oml {
namespace training {
class Replicas;
}

struct Dataframe;
struct Matrix;
class ConcatSiameseImpl;

// Where a step's pairs come from.
enum class PairSource {
  kBatch,  // OML's loop: pairs mined inside each balanced batch (spec §6.3, §7)
  kKnn,    // plus, for every anchor of the batch, (anchor, neighbour) for its top-n train neighbours
};

struct RerankerTrainingOptions {
  int image_size = 64;            // squash size after the bbox crop
  std::string optimizer = "sgd";  // "sgd" | "adam" (PyTorch defaults besides lr)
  double lr = 1e-6;
  int64_t n_labels = 2;
  int64_t n_instances = 2;
  int64_t epochs = 1;  // total, counting epochs done before --resume
  MiningMode mining = MiningMode::kHard;
  PairSource pairs = PairSource::kBatch;
  int64_t knn_top_n = 5;  // neighbours per anchor with PairSource::kKnn
  // Share of train labels held out from training to validate on after every epoch (re-ranked
  // top val_top_n against plain kNN); 0 = no validation.
  double val_fraction = 0.0;
  int64_t val_top_n = 5;
  uint64_t seed = 0;
  bool freeze_backbone = false;
  int threads = 0;  // image decoding threads (0 = all cores)
  bool show_progress = false;
  // Without validation: the checkpoint written after every epoch (+ "<out>.state" for --resume).
  // With validation: the best epoch's weights (by held-out re-ranked CMC@1, then mAP@10, over the
  // fusion weights tried) and "<out>.json" with that epoch, its fusion weight and scores; the last
  // epoch's weights go to last_reranker_checkpoint_path(out) with its .state.
  std::string out;
  std::string resume;  // a checkpoint written by this loop; "" = start from epoch 0
  // Decoded training images are kept as tensors up to this size, otherwise decoded every epoch.
  int64_t cache_bytes = int64_t{4} << 30;
  ImageLimits image_limits = {};  // --max-image-pixels: every decode and crop, validation included
  std::function<void(const std::string&)> log;  // per-epoch lines (validation); null = quiet
  // Data-parallel run (training/replicas.h): each step's pairs are split over the ranks and their
  // gradients summed; rank 0 alone validates and writes files. Null: one process.
  training::Replicas* replicas = nullptr;
};

struct RerankerEpochValidation {
  int64_t epoch = 0;  // 1-based
  double knn_cmc1 = 0, knn_map10 = 0;
  double reranked_cmc1 = 0, reranked_map10 = 0;  // OML's rule (fuse 0)
  double fuse = 0;                               // the best fusion weight of this epoch
  double fused_cmc1 = 0, fused_map10 = 0;        // its scores
};

struct RerankerTrainingReport {
  int64_t first_epoch = 0;         // 0, or the epoch --resume continued from
  std::vector<float> step_losses;  // one per optimizer step, in order
  std::vector<double> epoch_mean_losses;
  int64_t steps = 0;
  int64_t pairs = 0;
  int64_t positive_pairs = 0;
  double seconds = 0.0;
  std::vector<RerankerEpochValidation> validations;
  int64_t best_epoch = 0;  // 1-based; 0 = no validation ran
  double best_fuse = 0;    // the fusion weight chosen with the best epoch
};

// The score-fusion weights validation tries (`--post pairwise:...,fuse=w`); 0 is OML's rule.
const std::vector<double>& validation_fuse_weights();

// Sidecar of a checkpoint with what --resume needs (epochs done, optimizer state); the
// checkpoint itself stays a plain state dict that OML's ConcatSiamese loads.
std::string training_state_path(const std::string& checkpoint);
// "<out>.last.pth": where a validating run keeps its last epoch (resume from it).
std::string last_reranker_checkpoint_path(const std::string& out);

// Trains `model` in place. `embeddings` has one row per CSV row (E.npy). The dropout/init RNG is
// reseeded from (seed, epoch) at every epoch start, so a resumed run continues bit-identically.
// Throws InputError for bad options, labels with <2 train rows, unreadable images.
RerankerTrainingReport train_reranker(ConcatSiameseImpl& model, const Dataframe& df, const Matrix& embeddings,
                                      const RerankerTrainingOptions& options);

}  // namespace oml
