#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "oml/training/pairs_miner.h"

// The training loop of `oml train-reranker` (spec §6.3, the note's loop): BalanceSampler batches
// of train rows, pairs mined on the precomputed embeddings, BCEWithLogits(logit, is_negative).
namespace oml {

struct Dataframe;
struct Matrix;
class ConcatSiameseImpl;

struct RerankerTrainingOptions {
  int image_size = 64;            // squash size after the bbox crop
  std::string optimizer = "sgd";  // "sgd" | "adam" (PyTorch defaults besides lr)
  double lr = 1e-6;
  int64_t n_labels = 2;
  int64_t n_instances = 2;
  int64_t epochs = 1;  // total, counting epochs done before --resume
  MiningMode mining = MiningMode::kHard;
  uint64_t seed = 0;
  bool freeze_backbone = false;
  int threads = 0;  // image decoding threads (0 = all cores)
  bool show_progress = false;
  std::string out;     // checkpoint written after every epoch (+ "<out>.state" for --resume)
  std::string resume;  // a checkpoint written by this loop; "" = start from epoch 0
  // Decoded training images are kept as tensors up to this size, otherwise decoded every epoch.
  int64_t cache_bytes = int64_t{4} << 30;
};

struct RerankerTrainingReport {
  int64_t first_epoch = 0;         // 0, or the epoch --resume continued from
  std::vector<float> step_losses;  // one per optimizer step, in order
  std::vector<double> epoch_mean_losses;
  int64_t steps = 0;
  int64_t pairs = 0;
  double seconds = 0.0;
};

// Sidecar of a checkpoint with what --resume needs (epochs done, optimizer state); the
// checkpoint itself stays a plain state dict that OML's ConcatSiamese loads.
std::string training_state_path(const std::string& checkpoint);

// Trains `model` in place. `embeddings` has one row per CSV row (E.npy). The dropout/init RNG is
// reseeded from (seed, epoch) at every epoch start, so a resumed run continues bit-identically.
// Throws InputError for bad options, labels with <2 train rows, unreadable images.
RerankerTrainingReport train_reranker(ConcatSiameseImpl& model, const Dataframe& df, const Matrix& embeddings,
                                      const RerankerTrainingOptions& options);

}  // namespace oml
