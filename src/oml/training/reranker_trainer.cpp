#include "oml/training/reranker_trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <memory>
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
                  int64_t cache_bytes)
      : df_(df), train_rows_(train_rows), spec_(TransformSpec::squash(size)), threads_(threads) {
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
            return load_transformed(row.image_path, row.bbox, spec_);
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
  int threads_;
  size_t capacity_ = 0;
  size_t cached_ = 0;
  std::vector<torch::Tensor> images_;
};

void save_checkpoint(const ConcatSiameseImpl& model, const torch::optim::Optimizer& optimizer,
                     int64_t epochs_done, const std::string& path) {
  save_concat_siamese(model, path);
  torch::serialize::OutputArchive archive;
  archive.write("epochs_done", torch::tensor(epochs_done, torch::kInt64));
  optimizer.save(archive);
  write_path_atomically(training_state_path(path), [&](const std::string& tmp) { archive.save_to(tmp); });
}

int64_t load_checkpoint(ConcatSiameseImpl& model, torch::optim::Optimizer& optimizer,
                        const std::string& path) {
  load_concat_siamese(model, path);
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
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    throw InputError(fmt::format("--resume {}: cannot read {} (written with another --optimizer?): {}", path,
                                 state_path, e.what_without_backtrace()));
  }
  return epochs_done.item<int64_t>();
}

}  // namespace

std::string training_state_path(const std::string& checkpoint) { return checkpoint + ".state"; }

RerankerTrainingReport train_reranker(ConcatSiameseImpl& model, const Dataframe& df, const Matrix& embeddings,
                                      const RerankerTrainingOptions& options) {
  if (options.epochs < 1) throw InputError(fmt::format("--epochs must be >= 1, got {}", options.epochs));
  if (options.image_size < model.config().patch_size) {
    throw InputError(fmt::format("--size {} is smaller than one ViT patch ({} px)", options.image_size,
                                 model.config().patch_size));
  }
  std::vector<int64_t> train_rows;
  std::vector<int64_t> labels;
  for (const auto& row : df.rows) {
    if (row.is_train) {
      train_rows.push_back(row.row);
      labels.push_back(row.label);
    }
  }
  require_train_split(df);
  ItemNames names{"train row", [&](int64_t item) { return df.where(train_rows[static_cast<size_t>(item)]); }};
  BalanceSampler sampler(labels, options.n_labels, options.n_instances, options.seed, names);

  auto optimizer = make_optimizer(model, options.optimizer, options.lr);
  RerankerTrainingReport report;
  if (!options.resume.empty()) report.first_epoch = load_checkpoint(model, *optimizer, options.resume);
  // Replay the sampler so a resumed run draws the batches the uninterrupted run would have drawn.
  for (int64_t e = 0; e < report.first_epoch; ++e) sampler.next_epoch();
  options.freeze_backbone ? model.freeze() : model.unfreeze();
  model.train();

  TrainImageCache images(df, train_rows, options.image_size, options.threads, options.cache_bytes);
  const auto start = std::chrono::steady_clock::now();
  const int64_t dim = embeddings.cols;
  for (int64_t epoch = report.first_epoch; epoch < options.epochs; ++epoch) {
    torch::manual_seed(epoch_seed(options.seed, epoch));
    const auto batches = sampler.next_epoch();
    images.prepare(batches);
    std::optional<ProgressBar> progress;
    if (options.show_progress) {
      progress.emplace(fmt::format("epoch {}/{}", epoch + 1, options.epochs),
                       static_cast<int64_t>(batches.size()), "batches");
    }
    double loss_sum = 0.0;
    int64_t epoch_steps = 0;
    for (const auto& batch : batches) {
      std::vector<int64_t> batch_labels;
      std::vector<float> batch_embeddings;
      for (const int64_t item : batch) {
        batch_labels.push_back(labels[item]);
        const float* row = embeddings.row(train_rows[item]);
        batch_embeddings.insert(batch_embeddings.end(), row, row + dim);
      }
      const auto pairs = mine_pairs(batch_embeddings, dim, batch_labels, options.mining);
      if (pairs.empty()) continue;
      std::vector<int64_t> first;
      std::vector<int64_t> second;
      std::vector<float> targets;
      for (const auto& pair : pairs) {
        first.push_back(pair.first);
        second.push_back(pair.second);
        targets.push_back(pair.is_negative ? 1.0f : 0.0f);
      }
      const auto batch_images = images.batch_tensor(batch);
      const auto x1 = batch_images.index_select(0, torch::tensor(first, torch::kInt64));
      const auto x2 = batch_images.index_select(0, torch::tensor(second, torch::kInt64));
      const auto target = torch::tensor(targets, torch::kFloat32);
      const auto logits = model.forward_pairs(x1, x2);
      const auto loss = torch::binary_cross_entropy_with_logits(logits, target);
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      const float value = loss.item<float>();
      report.step_losses.push_back(value);
      loss_sum += value;
      ++epoch_steps;
      ++report.steps;
      report.pairs += static_cast<int64_t>(pairs.size());
      if (progress) {
        progress->set_note(fmt::format("loss {:.4f}", value));
        progress->advance();
      }
    }
    if (progress) progress->finish();
    report.epoch_mean_losses.push_back(epoch_steps == 0 ? 0.0 : loss_sum / static_cast<double>(epoch_steps));
    if (!options.out.empty()) save_checkpoint(model, *optimizer, epoch + 1, options.out);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace oml
