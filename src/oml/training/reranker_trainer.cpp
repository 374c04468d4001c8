#include "oml/training/reranker_trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/data/dataframe.h"
#include "oml/data/loader.h"
#include "oml/data/samplers.h"
#include "oml/data/transforms.h"
#include "oml/io/npy.h"
#include "oml/models/siamese.h"
#include "oml/models/siamese_checkpoint.h"
#include "oml/training/epoch_commit.h"
#include "oml/training/finite_step.h"
#include "oml/training/knn_pairs.h"
#include "oml/training/replicas.h"
#include "oml/training/reranker_validation.h"

namespace oml {
namespace {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(ConcatSiameseImpl& model, const std::string& name,
                                                        double lr) {
  if (!(lr > 0)) throw InputError(fmt::format("--lr must be > 0, got {}", lr));
  // PyTorch defaults: SGD without momentum or decay; Adam (0.9, 0.999), eps 1e-8, no decay.
  if (name == "sgd")
    return std::make_unique<torch::optim::SGD>(model.parameters(), torch::optim::SGDOptions(lr));
  if (name == "adam")
    return std::make_unique<torch::optim::Adam>(model.parameters(), torch::optim::AdamOptions(lr));
  throw InputError(fmt::format("--optimizer: expected sgd or adam, got '{}'", name));
}

uint64_t epoch_seed(uint64_t seed, int64_t epoch) {
  // Distinct, reproducible torch seeds per epoch (SplitMix64 mixing of seed and epoch).
  SplitMix64 mix(seed ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(epoch + 1)));
  return mix.next() >> 1;  // torch seeds are taken as uint64 but printed signed elsewhere
}

// Decoded train images (crop by bbox, then squash), as float tensors, by train index.
class TrainImageCache {
 public:
  TrainImageCache(const Dataframe& df, const std::vector<int64_t>& train_rows, int size, int threads,
                  int64_t cache_bytes, ImageLimits limits)
      : df_(df),
        train_rows_(train_rows),
        spec_(TransformSpec::squash(size)),
        limits_(std::move(limits)),
        threads_(threads) {
    const int64_t image_bytes = 3LL * size * size * static_cast<int64_t>(sizeof(float));
    capacity_ = static_cast<size_t>(std::max<int64_t>(1, cache_bytes / image_bytes));
    images_.resize(train_rows.size());
  }

  // Makes sure every item of `batches` is decoded (on a thread pool).
  void prepare(const std::vector<Batch>& batches) {
    std::vector<int64_t> missing;
    std::vector<bool> wanted(images_.size(), false);
    for (const auto& batch : batches) {
      for (const int64_t item : batch) {
        if (!images_[item].defined() && !wanted[item]) missing.push_back(item);
        wanted[item] = true;
      }
    }
    if (cached_ + missing.size() > capacity_) {
      // Too many images to keep: forget those this epoch does not use.
      for (size_t i = 0; i < images_.size(); ++i) {
        if (!wanted[i] && images_[i].defined()) {
          images_[i] = torch::Tensor();
          --cached_;
        }
      }
    }
    const size_t threads =
        threads_ > 0 ? static_cast<size_t>(threads_) : std::max(1u, std::thread::hardware_concurrency());
    OrderedPrefetcher<ImageTensorCHW> loader(
        missing.size(),
        [&](size_t i) {
          const auto& row = df_.rows[static_cast<size_t>(train_rows_[missing[i]])];
          try {
            return load_transformed(row.image_path, row.bbox, spec_, limits_);
          } catch (const InputError& e) {
            throw InputError(fmt::format("{}: {}", df_.where(row.row), e.what()));
          }
        },
        threads, 4 * threads);
    for (const int64_t item : missing) {
      auto image = *loader.next();
      images_[item] =
          torch::from_blob(image.values.data(), {3, image.height, image.width}, torch::kFloat32).clone();
      ++cached_;
    }
  }

  torch::Tensor batch_tensor(const Batch& batch) const {
    std::vector<torch::Tensor> items;
    items.reserve(batch.size());
    for (const int64_t item : batch) items.push_back(images_[item]);
    return torch::stack(items);
  }

 private:
  const Dataframe& df_;
  const std::vector<int64_t>& train_rows_;
  TransformSpec spec_;
  ImageLimits limits_;
  int threads_;
  size_t capacity_ = 0;
  size_t cached_ = 0;
  std::vector<torch::Tensor> images_;
};

// What a validating run remembers of its best epoch across --resume.
// The held-out ranking of epochs and of fusion weights alike: CMC@1, then mAP@10 on ties.
bool scores_beat(double cmc1, double map10, double best_cmc1, double best_map10) {
  return cmc1 > best_cmc1 || (cmc1 == best_cmc1 && map10 > best_map10);
}

struct BestEpoch {
  int64_t epoch = 0;
  double cmc1 = -1, map10 = -1;
  double fuse = 0;
  bool beaten_by(double cmc1_value, double map10_value) const {
    return scores_beat(cmc1_value, map10_value, cmc1, map10);
  }
};

// The optimizer and epoch count beside the checkpoint at `path`: the record --resume trusts, so
// written after the epoch's weights (as pending files) and before those are renamed into place.
void save_training_state(const torch::optim::Optimizer& optimizer, int64_t epochs_done, const BestEpoch& best,
                         const std::string& path) {
  torch::serialize::OutputArchive archive;
  archive.write("epochs_done", torch::tensor(epochs_done, torch::kInt64));
  archive.write("best_epoch", torch::tensor(best.epoch, torch::kInt64));
  archive.write("best_scores", torch::tensor({best.cmc1, best.map10, best.fuse}, torch::kFloat64));
  optimizer.save(archive);
  write_path_atomically(training_state_path(path), [&](const std::string& tmp) {
    try {
      archive.save_to(tmp);
    } catch (const c10::Error& e) {
      throw_write_error(training_state_path(path), e.what_without_backtrace());
    }
  });
}

// `epoch_files`: the files an epoch writes (epoch_commit.h), put in the state the record names first.
int64_t load_checkpoint(ConcatSiameseImpl& model, torch::optim::Optimizer& optimizer, BestEpoch& best,
                        const std::string& path, const std::vector<std::string>& epoch_files,
                        training::Replicas* replicas) {
  const std::string state_path = training_state_path(path);
  if (!std::filesystem::exists(state_path)) {
    throw InputError(fmt::format(
        "--resume {}: {} is missing (train-reranker writes it next to every checkpoint)", path, state_path));
  }
  torch::serialize::InputArchive archive;
  torch::Tensor epochs_done;
  try {
    archive.load_from(state_path);
    archive.read("epochs_done", epochs_done);
  } catch (const c10::Error& e) {
    throw InputError(
        fmt::format("--resume {}: cannot read {}: {}", path, state_path, e.what_without_backtrace()));
  }
  if (!replicas || replicas->is_root()) training::settle_pending(epoch_files, epochs_done.item<int64_t>());
  if (replicas) replicas->barrier();  // the other ranks read the files rank 0 has settled
  load_concat_siamese(model, path);
  try {
    torch::Tensor best_epoch;
    torch::Tensor best_scores;
    if (archive.try_read("best_epoch", best_epoch) && archive.try_read("best_scores", best_scores)) {
      best.epoch = best_epoch.item<int64_t>();
      best.cmc1 = best_scores[0].item<double>();
      best.map10 = best_scores[1].item<double>();
      best.fuse = best_scores.numel() > 2 ? best_scores[2].item<double>() : 0.0;
    }
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    throw InputError(fmt::format("--resume {}: cannot read {} (written with another --optimizer?): {}", path,
                                 state_path, e.what_without_backtrace()));
  }
  return epochs_done.item<int64_t>();
}

// "<out>.json": what the held-out validation chose, for users and scripts (`oml demo` reads fuse).
void write_choice(const std::string& json_path, const RerankerEpochValidation& v, int64_t queries,
                  const RerankerTrainingOptions& options) {
  nlohmann::ordered_json json;
  json["best_epoch"] = v.epoch;
  json["fuse"] = v.fuse;
  json["top_n"] = options.val_top_n;
  json["held_out"] = {{"queries", queries},
                      {"knn_cmc1", v.knn_cmc1},
                      {"knn_map10", v.knn_map10},
                      {"reranked_cmc1", v.reranked_cmc1},
                      {"reranked_map10", v.reranked_map10},
                      {"fused_cmc1", v.fused_cmc1},
                      {"fused_map10", v.fused_map10}};
  write_path_atomically(json_path, [&](const std::string& tmp) {
    errno = 0;
    std::ofstream file(tmp);
    file << json.dump(2) << "\n";
    file.close();  // the check must follow the last write() (a full disk fails it)
    if (!file) throw_write_error(json_path);
  });
}

// One optimizer step's pairs as positions into `images` (the batch, then kNN neighbours).
struct StepPairs {
  std::vector<int64_t> images;  // train indices to stack
  std::vector<int64_t> first, second;
  std::vector<float> targets;  // 1 = negative pair
};

StepPairs collect_step_pairs(const Batch& batch, const std::vector<int64_t>& labels,
                             const std::vector<int64_t>& rows, const Matrix& embeddings,
                             const RerankerTrainingOptions& options,
                             const std::vector<std::vector<int64_t>>& neighbours) {
  StepPairs step;
  step.images = batch;
  std::vector<int64_t> batch_labels;
  std::vector<float> batch_embeddings;
  const int64_t dim = embeddings.cols;
  for (const int64_t item : batch) {
    batch_labels.push_back(labels[item]);
    const float* row = embeddings.row(rows[item]);
    batch_embeddings.insert(batch_embeddings.end(), row, row + dim);
  }
  for (const auto& pair : mine_pairs(batch_embeddings, dim, batch_labels, options.mining)) {
    step.first.push_back(pair.first);
    step.second.push_back(pair.second);
    step.targets.push_back(pair.is_negative ? 1.0f : 0.0f);
  }
  if (options.pairs != PairSource::kKnn) return step;
  // The anchor is the query, so it goes on top as at inference.
  for (size_t position = 0; position < batch.size(); ++position) {
    for (const int64_t neighbour : neighbours[static_cast<size_t>(batch[position])]) {
      step.first.push_back(static_cast<int64_t>(position));
      step.second.push_back(static_cast<int64_t>(step.images.size()));
      step.images.push_back(neighbour);
      step.targets.push_back(labels[neighbour] != labels[batch[position]] ? 1.0f : 0.0f);
    }
  }
  return step;
}

// The step's loss (the mean BCE over its pairs), its gradients left in the parameters. With
// replicas each rank runs the backbone on a share of the pairs, the features are gathered with
// autograd, and every rank runs the head (its dropout draws the one-process masks: same seed, same
// shape) and the loss on all of them; the summed gradients are then the one-process gradients up to
// the order of float sums.
torch::Tensor step_loss(ConcatSiameseImpl& model, const torch::Tensor& batch_images, const StepPairs& step,
                        torch::optim::Optimizer& optimizer, training::Replicas* replicas) {
  training::clear_gradients(optimizer);
  const auto targets = torch::tensor(step.targets, torch::kFloat32);
  if (!replicas) {
    const auto x1 = batch_images.index_select(0, torch::tensor(step.first, torch::kInt64));
    const auto x2 = batch_images.index_select(0, torch::tensor(step.second, torch::kInt64));
    const auto loss = torch::binary_cross_entropy_with_logits(model.forward_pairs(x1, x2), targets);
    loss.backward();
    return loss;
  }
  const training::Share mine =
      training::share_of(static_cast<int64_t>(step.targets.size()), replicas->rank(), replicas->size());
  const auto slice = [&](const std::vector<int64_t>& items) {
    return torch::tensor(std::vector<int64_t>(items.begin() + mine.begin, items.begin() + mine.end),
                         torch::kInt64);
  };
  // forward_pairs in two halves: the backbone on this rank's pairs (stacked along the height, x1 on
  // top), the head on every pair.
  const auto stacked = torch::cat(
      {batch_images.index_select(0, slice(step.first)), batch_images.index_select(0, slice(step.second))}, 2);
  torch::Tensor features =
      torch::zeros({0, model.extractor()->feat_dim()});  // a step of fewer pairs than ranks
  if (mine.end > mine.begin) {
    std::optional<torch::NoGradGuard> frozen;
    if (!model.backbone_trains()) frozen.emplace();
    features = model.extractor()->forward(stacked);
  }
  features = training::gather_rows_with_grad(*replicas, features);
  const auto logits = model.head()->forward(features).squeeze(-1);
  const auto loss = torch::binary_cross_entropy_with_logits(logits, targets);
  loss.backward();
  training::sum_gradients(*replicas, model.parameters(), model.head()->parameters());
  return loss;
}

}  // namespace

std::string training_state_path(const std::string& checkpoint) { return checkpoint + ".state"; }
std::string last_reranker_checkpoint_path(const std::string& out) { return out + ".last.pth"; }

const std::vector<double>& validation_fuse_weights() {
  // 1 would be plain kNN; the grid stops short of it so the re-ranker always has a say.
  static const std::vector<double> weights{0.0, 0.25, 0.5, 0.75};
  return weights;
}

RerankerTrainingReport train_reranker(ConcatSiameseImpl& model, const Dataframe& df, const Matrix& embeddings,
                                      const RerankerTrainingOptions& options) {
  if (options.epochs < 1) throw InputError(fmt::format("--epochs must be >= 1, got {}", options.epochs));
  if (options.image_size < model.extractor()->min_image_side()) {
    throw InputError(fmt::format("--size {} is smaller than one ViT patch ({} px)", options.image_size,
                                 model.extractor()->min_image_side()));
  }
  if (options.pairs == PairSource::kKnn && options.knn_top_n < 1) {
    throw InputError(fmt::format("--pairs knn: top_n must be >= 1, got {}", options.knn_top_n));
  }
  require_train_split(df);
  const auto held_labels = training::choose_holdout_labels(df, options.val_fraction, options.seed);
  std::vector<int64_t> train_rows;
  std::vector<int64_t> labels;
  for (const auto& row : df.rows) {
    if (row.is_train && !std::binary_search(held_labels.begin(), held_labels.end(), row.label)) {
      train_rows.push_back(row.row);
      labels.push_back(row.label);
    }
  }
  ItemNames names{"train row", [&](int64_t item) { return df.where(train_rows[static_cast<size_t>(item)]); }};
  BalanceSampler sampler(labels, options.n_labels, options.n_instances, options.seed, names);
  const auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  std::vector<std::vector<int64_t>> neighbours;
  if (options.pairs == PairSource::kKnn) {
    neighbours = nearest_other_rows(embeddings, train_rows, options.knn_top_n, options.threads);
    int64_t positives = 0, total = 0;
    for (size_t i = 0; i < neighbours.size(); ++i) {
      for (const int64_t j : neighbours[i]) positives += labels[static_cast<size_t>(j)] == labels[i] ? 1 : 0;
      total += static_cast<int64_t>(neighbours[i].size());
    }
    log(fmt::format("kNN pairs: top {} neighbours of {} train rows, {:.1f}% positive", options.knn_top_n,
                    train_rows.size(),
                    total ? 100.0 * static_cast<double>(positives) / static_cast<double>(total) : 0.0));
  }
  training::Replicas* const replicas = options.replicas;
  const bool writes_files = !replicas || replicas->is_root();  // and validates
  std::unique_ptr<training::RerankerValidator> validator;
  if (!held_labels.empty() && writes_files) {
    validator = std::make_unique<training::RerankerValidator>(
        training::holdout_dataframe(df, held_labels), embeddings, options.val_top_n, options.image_size,
        options.threads, options.image_limits);
    const auto& knn = validator->knn_scores();
    log(fmt::format("validation: {} held-out train labels, {} queries; plain kNN cmc@1 {} map@10 {}",
                    held_labels.size(), knn.queries, training::format_score(knn.cmc1),
                    training::format_score(knn.map10)));
  }
  const std::string last_path =
      held_labels.empty() ? options.out : last_reranker_checkpoint_path(options.out);

  auto optimizer = make_optimizer(model, options.optimizer, options.lr);
  RerankerTrainingReport report;
  BestEpoch best;
  // What one epoch writes, committed by last_path's training state (epoch_commit.h).
  const std::vector<std::string> epoch_files = {last_path, options.out, options.out + ".json"};
  if (!options.resume.empty()) {
    std::vector<std::string> settle = epoch_files;
    settle.push_back(options.resume);
    report.first_epoch = load_checkpoint(model, *optimizer, best, options.resume, settle, replicas);
  }
  if (replicas) training::broadcast_module(*replicas, model);
  report.best_epoch = best.epoch;
  // Replay the sampler so a resumed run draws the batches the uninterrupted run would have drawn.
  for (int64_t e = 0; e < report.first_epoch; ++e) sampler.next_epoch();
  options.freeze_backbone ? model.freeze() : model.unfreeze();

  TrainImageCache images(df, train_rows, options.image_size, options.threads, options.cache_bytes,
                         options.image_limits);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t epoch = report.first_epoch; epoch < options.epochs; ++epoch) {
    model.train();
    torch::manual_seed(epoch_seed(options.seed, epoch));
    const auto batches = sampler.next_epoch();
    std::vector<StepPairs> steps;
    steps.reserve(batches.size());
    std::vector<Batch> image_sets;
    for (const auto& batch : batches) {
      steps.push_back(collect_step_pairs(batch, labels, train_rows, embeddings, options, neighbours));
      image_sets.push_back(steps.back().images);
    }
    images.prepare(image_sets);
    std::optional<ProgressBar> progress;
    if (options.show_progress) {
      progress.emplace(fmt::format("epoch {}/{}", epoch + 1, options.epochs),
                       static_cast<int64_t>(steps.size()), "batches");
    }
    double loss_sum = 0.0;
    int64_t epoch_steps = 0;
    int64_t skipped_steps = 0;
    for (const auto& step : steps) {
      if (step.targets.empty()) continue;
      const auto loss = step_loss(model, images.batch_tensor(step.images), step, *optimizer, replicas);
      const float value = loss.item<float>();
      if (progress) progress->advance();
      if (!training::step_if_finite(loss, *optimizer)) {
        ++skipped_steps;
        continue;
      }
      report.step_losses.push_back(value);
      loss_sum += value;
      ++epoch_steps;
      ++report.steps;
      report.pairs += static_cast<int64_t>(step.targets.size());
      for (const float t : step.targets) report.positive_pairs += t == 0.0f ? 1 : 0;
      if (progress) progress->set_note(fmt::format("loss {:.4f}", value));
    }
    if (progress) progress->finish();
    if (skipped_steps > 0 && epoch_steps == 0) {
      throw InputError(fmt::format(
          "epoch {}: every step had a non-finite loss or gradient (training diverged); lower --lr",
          epoch + 1));
    }
    if (skipped_steps > 0) {
      log(fmt::format("epoch {}/{}: {} steps skipped (non-finite loss or gradient)", epoch + 1,
                      options.epochs, skipped_steps));
    }
    const double mean_loss = epoch_steps == 0 ? 0.0 : loss_sum / static_cast<double>(epoch_steps);
    report.epoch_mean_losses.push_back(mean_loss);
    bool is_best = false;
    if (validator) {
      model.eval();
      const auto& weights = validation_fuse_weights();
      const auto scores = validator->reranked_scores(model, weights);
      const auto& knn = validator->knn_scores();
      RerankerEpochValidation v;
      v.epoch = epoch + 1;
      v.knn_cmc1 = knn.cmc1.value_or(0);
      v.knn_map10 = knn.map10.value_or(0);
      // validation_fuse_weights() starts with 0, OML's own rule.
      v.reranked_cmc1 = scores[0].cmc1.value_or(0);
      v.reranked_map10 = scores[0].map10.value_or(0);
      v.fused_cmc1 = -1;
      for (size_t i = 0; i < weights.size(); ++i) {
        const double c = scores[i].cmc1.value_or(0);
        const double m = scores[i].map10.value_or(0);
        if (scores_beat(c, m, v.fused_cmc1, v.fused_map10)) {
          v.fuse = weights[i];
          v.fused_cmc1 = c;
          v.fused_map10 = m;
        }
      }
      report.validations.push_back(v);
      is_best = best.beaten_by(v.fused_cmc1, v.fused_map10);
      if (is_best) best = {epoch + 1, v.fused_cmc1, v.fused_map10, v.fuse};
      log(
          fmt::format("epoch {}/{}: loss {:.4f}; held-out kNN cmc@1 {:.4f} map@10 {:.4f}; re-ranked {:.4f} / "
                      "{:.4f}; best fusion fuse={} {:.4f} / {:.4f}{}",
                      epoch + 1, options.epochs, mean_loss, v.knn_cmc1, v.knn_map10, v.reranked_cmc1,
                      v.reranked_map10, v.fuse, v.fused_cmc1, v.fused_map10, is_best ? "  best" : ""));
      if (is_best && !options.out.empty())
        write_choice(training::pending_path(options.out + ".json", epoch + 1), v, knn.queries, options);
    } else {
      log(fmt::format("epoch {}/{}: loss {:.4f}", epoch + 1, options.epochs, mean_loss));
    }
    if (!options.out.empty() && writes_files) {
      save_concat_siamese(model, training::pending_path(last_path, epoch + 1));
      if (is_best && options.out != last_path)
        save_concat_siamese(model, training::pending_path(options.out, epoch + 1));
      save_training_state(*optimizer, epoch + 1, best, last_path);  // the commit
      training::publish_pending(epoch_files, epoch + 1);
    }
  }
  model.train();
  report.best_epoch = best.epoch;
  report.best_fuse = best.fuse;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace oml
