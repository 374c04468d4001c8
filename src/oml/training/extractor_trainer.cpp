#include "oml/training/extractor_trainer.h"

#include <fmt/format.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/data/loader.h"  // OrderedPrefetcher
#include "oml/data/samplers.h"
#include "oml/models/checkpoint.h"
#include "oml/models/extractor_factory.h"
#include "oml/models/torch_file.h"
#include "oml/models/vit.h"
#include "oml/training/epoch_commit.h"
#include "oml/training/finite_step.h"
#include "oml/training/replicas.h"
#include "oml/training/training_state.h"
#include "oml/training/vit_init.h"

namespace oml::training {
namespace {

using Clock = std::chrono::steady_clock;

struct TrainableModel {
  std::shared_ptr<ExtractorModule> extractor;
  bool normalise_through_norm = false;     // the extractor returns raw features; embed() normalises
  ArcFaceLoss arcface{nullptr};            // set only for the arcface loss
  std::map<int64_t, int64_t> class_index;  // label -> ArcFace class (sorted train labels)
};

struct TrainRows {
  std::vector<int64_t> rows;    // CSV rows of the train split
  std::vector<int64_t> labels;  // parallel to rows
};

torch::Tensor embed(TrainableModel& model, const torch::Tensor& pixels) {
  auto features = model.extractor->forward(pixels);
  if (!model.normalise_through_norm) return features;
  return torch::nn::functional::normalize(features,
                                          torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
}

TrainRows collect_train_rows(const Dataframe& df) {
  TrainRows train;
  for (const auto& row : df.rows) {
    if (!row.is_train) continue;
    train.rows.push_back(row.row);
    train.labels.push_back(row.label);
  }
  return train;
}

ExtractorSpec resolve_spec(const ExtractorTrainingOptions& options) {
  ExtractorSpec spec;
  spec.arch = options.arch;
  spec.normalise = options.normalise && options.normalise_gradient == NormaliseGradient::kDetached;
  spec.vit_override = options.arch_override;
  if (options.gem_p) spec.gem_p = options.gem_p;
  check_extractor_spec(spec);
  return spec;
}

const char* loss_name(ExtractorLossKind kind) {
  return kind == ExtractorLossKind::kTriplet ? "triplet" : "arcface";
}
const char* optimizer_name(OptimizerKind kind) { return kind == OptimizerKind::kAdamW ? "adamw" : "sgd"; }

// The options a resumed run must share with the interrupted one (epochs may grow).
nlohmann::ordered_json fingerprint(const ExtractorTrainingOptions& o, const ExtractorModule& extractor) {
  const auto& a = o.augmentation;
  nlohmann::ordered_json json;
  json["arch"] = extractor.describe();
  json["size"] = o.size;
  json["normalise"] = o.normalise;
  if (o.normalise_gradient == NormaliseGradient::kFull) json["normalise_gradient"] = "full";
  json["loss"] = loss_name(o.loss);
  if (o.loss == ExtractorLossKind::kTriplet) {
    json["margin"] =
        o.triplet.soft_margin ? nlohmann::ordered_json("soft") : nlohmann::ordered_json(o.triplet.margin);
    json["miner"] = triplet_miner_name(o.triplet.miner);
  } else {
    json["arcface_s"] = o.arcface.scale;
    json["arcface_m"] = o.arcface.margin;
  }
  json["optimizer"] = optimizer_name(o.optimizer);
  json["lr"] = o.lr;
  json["weight_decay"] = o.weight_decay;
  json["momentum"] = o.momentum;
  json["schedule"] = lr_schedule_name(o.schedule);
  json["warmup_epochs"] = o.warmup_epochs;
  json["n_labels"] = o.n_labels;
  json["n_instances"] = o.n_instances;
  json["seed"] = o.seed;
  json["augmentation"] = a.enabled
                             ? fmt::format("crop {}-{} ratio {}-{} jitter {}/{}/{} flip {}", a.crop_scale_min,
                                           a.crop_scale_max, a.crop_ratio_min, a.crop_ratio_max, a.brightness,
                                           a.contrast, a.saturation, a.horizontal_flip)
                             : "off";
  return json;
}

TrainableModel build_model(const ExtractorTrainingOptions& options, const ExtractorSpec& spec,
                           const std::vector<int64_t>& train_labels) {
  torch::manual_seed(options.seed);
  TrainableModel model;
  model.extractor = make_extractor_module(spec);
  model.normalise_through_norm = options.normalise && options.normalise_gradient == NormaliseGradient::kFull;
  if (!options.weights.empty()) {
    model.extractor->load_checkpoint(options.weights);
  } else if (auto* vit = dynamic_cast<ViTExtractorImpl*>(model.extractor.get())) {
    init_dino_weights(*vit->vit());  // ResNets keep torchvision's init from their constructor
  }
  if (options.loss == ExtractorLossKind::kArcFace) {
    for (int64_t label : train_labels) model.class_index.emplace(label, 0);
    int64_t next = 0;
    for (auto& entry : model.class_index) entry.second = next++;
    model.arcface = ArcFaceLoss(model.extractor->feat_dim(), next, options.arcface);
  }
  return model;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const ExtractorTrainingOptions& options,
                                                        TrainableModel& model) {
  // DINO's rule: no weight decay on biases, norms and the token/position embeddings (1-D or
  // named tokens); matrices and the ArcFace class weights decay.
  std::vector<torch::Tensor> decay;
  std::vector<torch::Tensor> no_decay;
  for (const auto& named : model.extractor->named_parameters()) {
    const bool is_token = named.key().find("cls_token") != std::string::npos ||
                          named.key().find("pos_embed") != std::string::npos;
    (named.value().dim() <= 1 || is_token ? no_decay : decay).push_back(named.value());
  }
  if (model.arcface) decay.push_back(model.arcface->weight());
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (options.optimizer == OptimizerKind::kAdamW) {
    auto base = torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay);
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(base));
    groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(base.weight_decay(0.0)));
    return std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(options.lr));
  }
  auto base =
      torch::optim::SGDOptions(options.lr).momentum(options.momentum).weight_decay(options.weight_decay);
  groups.emplace_back(decay, std::make_unique<torch::optim::SGDOptions>(base));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::SGDOptions>(base.weight_decay(0.0)));
  return std::make_unique<torch::optim::SGD>(std::move(groups), torch::optim::SGDOptions(options.lr));
}

NamedTensors checkpoint_tensors(TrainableModel& model) {
  NamedTensors tensors = module_state(model.extractor->checkpoint_module());
  if (model.arcface) tensors.emplace_back("criterion.weight", model.arcface->weight().detach());
  return tensors;
}

// Restores the last epoch's weights (and the ArcFace head, which read_state_dict would drop).
void restore_last_checkpoint(TrainableModel& model, const std::string& path) {
  load_state_dict_strict(model.extractor->checkpoint_module(), read_state_dict(path), path,
                         "arch " + model.extractor->arch());
  if (!model.arcface) return;
  const auto root = read_torch_file(path);
  const auto weight = root->find("criterion.weight");
  if (!weight || weight->kind != PickleObject::Kind::Tensor ||
      !weight->tensor.sizes().equals(model.arcface->weight().sizes())) {
    throw InputError(path + ": no criterion.weight of the ArcFace head's shape to resume from");
  }
  torch::NoGradGuard no_grad;
  model.arcface->weight().copy_(weight->tensor);
}

torch::Tensor to_tensor(BatchPixels& pixels) {
  return torch::from_blob(pixels.values.data(), {pixels.count, 3, pixels.size, pixels.size}, torch::kFloat);
}

Matrix embed_rows(TrainableModel& model, DecodedImageCache& cache, const std::vector<int64_t>& rows, int size,
                  int64_t batch_size, int64_t total_rows, int threads) {
  torch::NoGradGuard no_grad;
  model.extractor->eval();
  Matrix embeddings;
  embeddings.rows = total_rows;
  embeddings.cols = model.extractor->feat_dim();
  embeddings.values.assign(static_cast<size_t>(total_rows * embeddings.cols), 0.0f);
  const size_t batches =
      (rows.size() + static_cast<size_t>(batch_size) - 1) / static_cast<size_t>(batch_size);
  OrderedPrefetcher<BatchPixels> loader(
      batches,
      [&](size_t b) {
        const size_t begin = b * static_cast<size_t>(batch_size);
        const size_t end = std::min(rows.size(), begin + static_cast<size_t>(batch_size));
        return make_eval_batch(cache, std::vector<int64_t>(rows.begin() + begin, rows.begin() + end), size);
      },
      static_cast<size_t>(std::max(1, threads)), 2);
  size_t done = 0;
  while (auto batch = loader.next()) {
    const auto features = embed(model, to_tensor(*batch)).contiguous();
    const float* data = features.data_ptr<float>();
    for (int64_t i = 0; i < batch->count; ++i) {
      std::copy(data + i * embeddings.cols, data + (i + 1) * embeddings.cols, embeddings.row(rows[done + i]));
    }
    done += static_cast<size_t>(batch->count);
  }
  model.extractor->train();
  return embeddings;
}

std::optional<double> pick_score(const ValidationScores& scores, BestMetric metric) {
  return metric == BestMetric::kMap5 ? scores.map5 : scores.cmc1;
}

nlohmann::ordered_json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json epoch_json(const EpochRecord& record) {
  nlohmann::ordered_json json;
  json["epoch"] = record.epoch;
  json["loss"] = record.mean_loss;
  json["lr"] = record.last_lr;
  json["images_per_second"] = record.images_per_second;
  if (record.validation) {
    json["cmc@1"] = optional_json(record.validation->cmc1);
    json["cmc@5"] = optional_json(record.validation->cmc5);
    json["map@5"] = optional_json(record.validation->map5);
    json["map@10"] = optional_json(record.validation->map10);
  }
  return json;
}

void check_options(const ExtractorTrainingOptions& options) {
  if (options.out_path.empty()) throw InputError("--out: required");
  if (options.size <= 0)
    throw InputError(fmt::format("--size: expected a positive number, got {}", options.size));
  if (options.epochs <= 0) throw InputError(fmt::format("--epochs: expected >= 1, got {}", options.epochs));
  if (options.lr <= 0) throw InputError(fmt::format("--lr: expected > 0, got {}", options.lr));
  if (options.val_every < 0) throw InputError("--val-every: expected >= 0");
  if (options.eval_batch_size <= 0) throw InputError("--eval-batch-size: expected >= 1");
}

}  // namespace

ExtractorLossKind parse_extractor_loss(const std::string& name) {
  if (name == "triplet") return ExtractorLossKind::kTriplet;
  if (name == "arcface") return ExtractorLossKind::kArcFace;
  throw InputError("--loss: unknown loss '" + name + "' (expected triplet or arcface)");
}

OptimizerKind parse_optimizer(const std::string& name) {
  if (name == "adamw") return OptimizerKind::kAdamW;
  if (name == "sgd") return OptimizerKind::kSgd;
  throw InputError("--optimizer: unknown optimizer '" + name + "' (expected adamw or sgd)");
}

NormaliseGradient parse_normalise_gradient(const std::string& name) {
  if (name == "detached") return NormaliseGradient::kDetached;
  if (name == "full") return NormaliseGradient::kFull;
  throw InputError("--normalise-gradient: expected detached or full, got '" + name + "'");
}

BestMetric parse_best_metric(const std::string& name) {
  if (name == "map5") return BestMetric::kMap5;
  if (name == "cmc1") return BestMetric::kCmc1;
  throw InputError("--best-by: unknown metric '" + name + "' (expected map5 or cmc1)");
}

std::string last_checkpoint_path(const std::string& out_path) { return out_path + ".last.pth"; }
std::string optimizer_state_path(const std::string& out_path) { return out_path + ".optimizer.pt"; }
std::string training_state_path(const std::string& out_path) { return out_path + ".state.json"; }

TrainingSummary train_extractor(const ExtractorTrainingOptions& options) {
  check_options(options);
  const auto log =
      options.log ? options.log : [](const std::string& line) { std::printf("%s\n", line.c_str()); };
  const ExtractorSpec spec = resolve_spec(options);
  const Dataframe df = read_dataframe(options.csv_path, options.root);
  require_train_split(df);
  require_image_files(df);
  for (const auto& warning : df.warnings) log(warning);
  const TrainRows train = collect_train_rows(df);
  ItemNames names{"train row", [&](int64_t i) { return df.where(train.rows[static_cast<size_t>(i)]); }};
  BalanceSampler sampler(train.labels, options.n_labels, options.n_instances, options.seed, names);
  Replicas* const replicas = options.replicas;
  const bool writes_files = !replicas || replicas->is_root();  // and validates
  if (replicas && sampler.batch_size() < replicas->size()) {
    throw InputError(fmt::format("--n-labels x --n-instances = {} images per batch, fewer than the {} ranks",
                                 sampler.batch_size(), replicas->size()));
  }
  std::optional<RetrievalValidator> validator;
  if (options.val_every > 0 && writes_files) validator.emplace(df, options.threads);

  TrainableModel model = build_model(options, spec, train.labels);
  auto optimizer = make_optimizer(options, model);
  const TripletLossWithMiner triplet_loss(options.triplet);

  TrainingSummary summary;
  summary.steps_per_epoch = sampler.batches_per_epoch();
  summary.batch_size = sampler.batch_size();
  LrSchedule schedule;
  schedule.kind = options.schedule;
  schedule.base_lr = options.lr;
  schedule.steps_per_epoch = summary.steps_per_epoch;
  schedule.total_steps = options.epochs * summary.steps_per_epoch;
  schedule.warmup_steps =
      static_cast<int64_t>(options.warmup_epochs * static_cast<double>(summary.steps_per_epoch));
  schedule.step_epochs = options.step_epochs;
  schedule.gamma = options.step_gamma;

  TrainingState state;
  state.fingerprint = fingerprint(options, *model.extractor);
  const std::string state_path = training_state_path(options.out_path);
  if (options.resume) {
    const TrainingState saved = read_training_state(state_path);
    require_same_fingerprint(saved.fingerprint, state.fingerprint, state_path);
    state = saved;
    if (writes_files) {
      settle_pending(
          {options.out_path, last_checkpoint_path(options.out_path), optimizer_state_path(options.out_path)},
          state.epochs_done);
    }
    if (replicas) replicas->barrier();  // the other ranks read the files rank 0 has settled
    restore_last_checkpoint(model, last_checkpoint_path(options.out_path));
    torch::load(*optimizer, optimizer_state_path(options.out_path));
    // Replaying the sampler keeps every later epoch's batches those of an uninterrupted run.
    for (int64_t e = 0; e < state.epochs_done; ++e) sampler.next_epoch();
    log(fmt::format("resuming after epoch {} of {} (best epoch {})", state.epochs_done, options.epochs,
                    state.best_epoch));
  }
  summary.first_epoch = state.epochs_done + 1;
  std::vector<torch::Tensor> parameters = model.extractor->parameters();
  std::vector<torch::Tensor> head;  // used after the features are gathered
  if (model.arcface) head = model.arcface->parameters();
  parameters.insert(parameters.end(), head.begin(), head.end());
  if (replicas) {
    broadcast_module(*replicas, *model.extractor);
    if (model.arcface) broadcast_module(*replicas, *model.arcface);
  }
  if (state.epochs_done >= options.epochs) {
    log(fmt::format("nothing to do: {} epochs already done (raise --epochs to continue)", state.epochs_done));
  }

  DecodedImageCache cache(df, /*crop_boxes=*/true, options.image_cache_bytes, options.image_limits);
  // One preparation thread keeps well ahead of the model (about 0.5 ms per 64 px image against
  // tens of ms of training); more threads only compete with libtorch's pool for the cores.
  constexpr int loader_threads = 1;
  model.extractor->train();
  for (int64_t epoch = state.epochs_done; epoch < options.epochs; ++epoch) {
    const std::vector<Batch> batches = sampler.next_epoch();
    // This rank's share of each global batch (all of it in one process).
    const auto share = [&](size_t b) {
      const auto n = static_cast<int64_t>(batches[b].size());
      return replicas ? share_of(n, replicas->rank(), replicas->size()) : Share{0, n};
    };
    OrderedPrefetcher<BatchPixels> loader(
        batches.size(),
        [&](size_t b) {
          const Share mine = share(b);
          std::vector<int64_t> rows;
          for (int64_t i = mine.begin; i < mine.end; ++i)
            rows.push_back(train.rows[static_cast<size_t>(batches[b][static_cast<size_t>(i)])]);
          return make_training_batch(cache, rows, options.size, options.augmentation, options.seed, epoch,
                                     static_cast<int64_t>(b), mine.begin);
        },
        static_cast<size_t>(loader_threads), 3);
    std::optional<ProgressBar> progress;
    if (options.show_progress) {
      progress.emplace(fmt::format("epoch {}/{}", epoch + 1, options.epochs),
                       static_cast<int64_t>(batches.size()) * summary.batch_size, "images");
    }
    EpochRecord record;
    record.epoch = epoch + 1;
    double loss_sum = 0.0;
    const auto started = Clock::now();
    for (size_t b = 0; b < batches.size(); ++b) {
      auto pixels = loader.next();
      const double lr = learning_rate_at(schedule, epoch * summary.steps_per_epoch + static_cast<int64_t>(b));
      for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
      std::vector<int64_t> labels;
      for (int64_t position : batches[b]) labels.push_back(train.labels[static_cast<size_t>(position)]);
      auto features = embed(model, to_tensor(*pixels));
      if (replicas) features = gather_rows_with_grad(*replicas, features);
      torch::Tensor loss;
      if (model.arcface) {
        for (auto& label : labels) label = model.class_index.at(label);
        loss = model.arcface->forward(features, torch::tensor(labels, torch::kLong));
      } else {
        loss = triplet_loss.forward(features, torch::tensor(labels, torch::kLong));
      }
      clear_gradients(*optimizer);
      loss.backward();
      if (replicas) sum_gradients(*replicas, parameters, head);
      const double value = loss.item<double>();
      if (step_if_finite(loss, *optimizer)) {
        summary.step_losses.push_back(value);
        loss_sum += value;
        ++record.applied_steps;
      } else {
        ++record.skipped_steps;
      }
      record.last_lr = lr;
      if (progress) {
        progress->set_note(fmt::format("loss {:.4f} lr {:.2e}", value, lr));
        progress->advance(summary.batch_size);
      }
    }
    if (progress) progress->finish();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (!batches.empty() && record.applied_steps == 0) {
      throw InputError(fmt::format(
          "epoch {}: every step had a non-finite loss or gradient (training diverged); lower --lr or "
          "resume from an earlier checkpoint",
          epoch + 1));
    }
    record.mean_loss = record.applied_steps == 0 ? 0.0 : loss_sum / static_cast<double>(record.applied_steps);
    record.images_per_second =
        seconds > 0 ? static_cast<double>(batches.size() * static_cast<size_t>(summary.batch_size)) / seconds
                    : 0.0;

    const bool last_epoch = epoch + 1 == options.epochs;
    std::string line = fmt::format("epoch {}/{}: loss {:.4f}, {:.1f} images/s", epoch + 1, options.epochs,
                                   record.mean_loss, record.images_per_second);
    if (record.skipped_steps > 0) {
      line += fmt::format(" ({} of {} steps skipped: non-finite loss or gradient)", record.skipped_steps,
                          batches.size());
    }
    if (validator && ((epoch + 1) % options.val_every == 0 || last_epoch)) {
      const Matrix embeddings =
          embed_rows(model, cache, validator->rows_to_embed(), options.size, options.eval_batch_size,
                     static_cast<int64_t>(df.rows.size()), options.threads);
      record.validation = validator->score(embeddings);
      for (const auto& warning : record.validation->warnings) log(warning);
      const auto score = pick_score(*record.validation, options.best_metric);
      record.is_best = score && (!state.best_score || *score > *state.best_score);
      line += fmt::format(", CMC@1 {}, mAP@5 {}, mAP@10 {}", format_score(record.validation->cmc1),
                          format_score(record.validation->map5), format_score(record.validation->map10));
    }
    // Without validation the newest weights are the output.
    if (!validator) record.is_best = true;
    if (!writes_files) {
      summary.epochs.push_back(std::move(record));
      continue;
    }
    const NamedTensors tensors = checkpoint_tensors(model);
    // The epoch's files wait under pending names until the state commits them (epoch_commit.h).
    const int64_t done = epoch + 1;
    const std::vector<std::string> epoch_files = {options.out_path, last_checkpoint_path(options.out_path),
                                                  optimizer_state_path(options.out_path)};
    if (record.is_best) {
      write_torch_file(pending_path(options.out_path, done), tensors);
      state.best_epoch = epoch + 1;
      if (record.validation) state.best_score = pick_score(*record.validation, options.best_metric);
      line += validator ? fmt::format(" (best, saved {})", options.out_path)
                        : fmt::format(" (saved {})", options.out_path);
    }
    write_torch_file(pending_path(epoch_files[1], done), tensors);
    write_path_atomically(pending_path(epoch_files[2], done), [&](const std::string& temporary) {
      try {
        torch::save(*optimizer, temporary);
      } catch (const c10::Error& e) {
        throw_write_error(epoch_files[2], e.what_without_backtrace());
      }
    });
    state.epochs_done = done;
    state.history.push_back(epoch_json(record));
    write_training_state(state_path, state);  // the commit
    publish_pending(epoch_files, done);
    log(line);
    summary.epochs.push_back(std::move(record));
  }
  summary.best_epoch = state.best_epoch;
  summary.best_score = state.best_score;
  return summary;
}

ValidationScores evaluate_raw_pixel_baseline(const std::string& csv_path, const std::string& root, int size,
                                             int threads, const std::string& npy_out,
                                             const ImageLimits& image_limits) {
  const Dataframe df = read_dataframe(csv_path, root);
  require_image_files(df);
  const RetrievalValidator validator(df, threads);
  DecodedImageCache cache(df, /*crop_boxes=*/true, 0, image_limits);
  // The .npy is a first stage for train-reranker, whose miners read the train rows: every row gets
  // its vector (validation alone needs only the validation rows).
  std::vector<int64_t> rows = validator.rows_to_embed();
  if (!npy_out.empty()) {
    rows.resize(df.rows.size());
    std::iota(rows.begin(), rows.end(), int64_t{0});
  }
  const Matrix embeddings = raw_pixel_embeddings(cache, rows, size, static_cast<int64_t>(df.rows.size()));
  if (!npy_out.empty()) write_npy(npy_out, embeddings);
  return validator.score(embeddings);
}

}  // namespace oml::training
