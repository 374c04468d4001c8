#include "oml/models/extractor.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "oml/common/errors.h"
#include "oml/models/checkpoint.h"
#include "oml/models/extractor_module.h"

namespace oml {

Precision parse_precision(const std::string& text) {
  if (text == "fp32") return Precision::kFloat32;
  if (text == "bf16") return Precision::kBFloat16;
  throw InputError(fmt::format("--precision: expected fp32 or bf16, got '{}'", text));
}

ExtractorSource resolve_extractor_source(const std::string& weights, ExtractorSpec requested,
                                         const std::string& cache_dir) {
  ExtractorSource source;
  source.zoo_entry = find_zoo_entry(weights);
  if (source.zoo_entry) {
    const ZooEntry& entry = *source.zoo_entry;
    if (!requested.arch.empty() && requested.arch != entry.arch) {
      throw InputError(fmt::format("--arch {} does not match the zoo weights '{}', which are {}", requested.arch,
                                   entry.name, entry.arch));
    }
    source.spec.arch = entry.arch;
    source.spec.normalise = entry.normalise || requested.normalise;
    source.spec.gem_p = requested.gem_p ? requested.gem_p : entry.gem_p;
    source.spec.remove_fc = entry.remove_fc && requested.remove_fc;
    check_extractor_spec(source.spec);
    source.weights_path = ensure_zoo_checkpoint(entry, cache_dir);
    return source;
  }
  source.spec = std::move(requested);
  if (source.spec.arch.empty()) source.spec.arch = "vits16";
  check_extractor_spec(source.spec);
  source.weights_path = weights;
  return source;
}

ExtractorSource resolve_extractor_source(const std::string& weights, const std::string& arch, bool normalise,
                                         const std::string& cache_dir) {
  ExtractorSpec requested;
  requested.arch = arch;
  requested.normalise = normalise;
  return resolve_extractor_source(weights, std::move(requested), cache_dir);
}

struct ImageEmbedder::Impl {
  std::shared_ptr<ExtractorModule> model;
  Precision precision = Precision::kFloat32;
};

ImageEmbedder::ImageEmbedder(const ExtractorSource& source, Precision precision)
    : impl_(std::make_unique<Impl>()) {
  impl_->precision = precision;
  impl_->model = make_extractor_module(source.spec);
  impl_->model->load_checkpoint(source.weights_path);
  impl_->model->eval();
  if (precision == Precision::kBFloat16) impl_->model->to(torch::kBFloat16);
}

ImageEmbedder::~ImageEmbedder() = default;

int64_t ImageEmbedder::feat_dim() const { return impl_->model->feat_dim(); }

void ImageEmbedder::embed(const float* images, int64_t count, int64_t height, int64_t width, float* out) {
  torch::NoGradGuard no_grad;
  auto input = torch::from_blob(const_cast<float*>(images), {count, 3, height, width}, torch::kFloat32);
  if (impl_->precision == Precision::kBFloat16) input = input.to(torch::kBFloat16);
  const auto features = impl_->model->forward(input).to(torch::kFloat32).contiguous();
  std::memcpy(out, features.data_ptr<float>(), sizeof(float) * static_cast<size_t>(features.numel()));
}

}  // namespace oml
