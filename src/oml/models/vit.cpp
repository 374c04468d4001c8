#include "oml/models/vit.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "oml/common/errors.h"
#include "oml/models/batched_matmul.h"
#include "oml/models/checkpoint.h"
#include "oml/models/inference_gelu.h"
#include "oml/models/inference_linear.h"

namespace oml {
namespace {

constexpr double kLayerNormEps = 1e-6;  // DINO's partial(nn.LayerNorm, eps=1e-6), everywhere

torch::Tensor run_linear(const torch::nn::Linear& layer, const torch::Tensor& x) {
  return linear_forward(x, layer->weight, layer->bias);
}

torch::nn::LayerNorm make_layer_norm(int64_t dim) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(kLayerNormEps));
}

}  // namespace

AttentionImpl::AttentionImpl(int64_t dim, int64_t heads)
    : heads_(heads), scale_(1.0 / std::sqrt(static_cast<double>(dim / heads))) {
  qkv_ = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(dim, 3 * dim).bias(true)));
  proj_ = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  const int64_t batch = x.size(0);
  const int64_t tokens = x.size(1);
  const int64_t dim = x.size(2);
  // qkv rows are [q; k; v], each split into heads of head_dim consecutive rows.
  const auto qkv =
      run_linear(qkv_, x).reshape({batch, tokens, 3, heads_, dim / heads_}).permute({2, 0, 3, 1, 4});
  const auto q = qkv[0];
  const auto k = qkv[1];
  const auto v = qkv[2];
  const auto attention = torch::softmax(batched_matmul(q, k.transpose(-2, -1), scale_), -1);
  const auto mixed = batched_matmul(attention, v).transpose(1, 2).reshape({batch, tokens, dim});
  return run_linear(proj_, mixed);
}

torch::Tensor AttentionImpl::forward_first_token(const torch::Tensor& x) {
  const int64_t batch = x.size(0);
  const int64_t tokens = x.size(1);
  const int64_t dim = x.size(2);
  const int64_t head_dim = dim / heads_;
  const auto& weight = qkv_->weight;
  const auto& bias = qkv_->bias;
  const auto q = linear_forward(x.narrow(1, 0, 1), weight.narrow(0, 0, dim), bias.narrow(0, 0, dim))
                     .reshape({batch, 1, heads_, head_dim})
                     .transpose(1, 2);
  const auto kv = linear_forward(x, weight.narrow(0, dim, 2 * dim), bias.narrow(0, dim, 2 * dim))
                      .reshape({batch, tokens, 2, heads_, head_dim})
                      .permute({2, 0, 3, 1, 4});
  const auto attention = torch::softmax(batched_matmul(q, kv[0].transpose(-2, -1), scale_), -1);
  const auto mixed = batched_matmul(attention, kv[1]).transpose(1, 2).reshape({batch, 1, dim});
  return run_linear(proj_, mixed);
}

MlpImpl::MlpImpl(int64_t dim, int64_t hidden) {
  fc1_ = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, dim));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return run_linear(fc2_, gelu_exact(run_linear(fc1_, x)));
}

TransformerBlockImpl::TransformerBlockImpl(const ViTConfig& config) {
  norm1_ = register_module("norm1", make_layer_norm(config.dim));
  attn_ = register_module("attn", Attention(config.dim, config.heads));
  norm2_ = register_module("norm2", make_layer_norm(config.dim));
  mlp_ = register_module("mlp", Mlp(config.dim, config.mlp_hidden));
}

torch::Tensor TransformerBlockImpl::forward(torch::Tensor x) {
  x = x + attn_->forward(norm1_->forward(x));
  return x + mlp_->forward(norm2_->forward(x));
}

torch::Tensor TransformerBlockImpl::forward_first_token(const torch::Tensor& x) {
  const auto first = x.narrow(1, 0, 1) + attn_->forward_first_token(norm1_->forward(x));
  return first + mlp_->forward(norm2_->forward(first));
}

PatchEmbedImpl::PatchEmbedImpl(int64_t patch_size, int64_t dim) {
  proj_ = register_module("proj",
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(3, dim, patch_size).stride(patch_size)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& images) {
  return proj_->forward(images).flatten(2).transpose(1, 2);
}

VisionTransformerImpl::VisionTransformerImpl(ViTConfig config)
    : config_(std::move(config)), pos_interpolator_(config_.pos_grid) {
  // Registration order = DINO's state_dict order (own parameters first, then submodules).
  cls_token_ = register_parameter("cls_token", torch::randn({1, 1, config_.dim}) * 0.02);
  pos_embed_ = register_parameter("pos_embed", torch::randn({1, config_.pos_tokens(), config_.dim}) * 0.02);
  patch_embed_ = register_module("patch_embed", PatchEmbed(config_.patch_size, config_.dim));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config_.depth; ++i) blocks_->push_back(TransformerBlock(config_));
  norm_ = register_module("norm", make_layer_norm(config_.dim));
}

torch::Tensor VisionTransformerImpl::forward(const torch::Tensor& images) {
  const int64_t height = images.size(2);
  const int64_t width = images.size(3);
  const int64_t hp = height / config_.patch_size;
  const int64_t wp = width / config_.patch_size;
  if (hp == 0 || wp == 0) {
    throw InputError("image " + std::to_string(height) + "x" + std::to_string(width) +
                     " is smaller than one ViT patch of " + std::to_string(config_.patch_size) + " px");
  }
  auto tokens = patch_embed_->forward(images);
  tokens = torch::cat({cls_token_.expand({images.size(0), -1, -1}), tokens}, 1);
  tokens = tokens + pos_interpolator_(pos_embed_, hp, wp, height, width);
  // The output is the CLS token alone, so the last block computes nothing else (~7% of a forward).
  const size_t depth = blocks_->size();
  for (size_t i = 0; i < depth; ++i) {
    auto* block = (*blocks_)[i]->as<TransformerBlock>();
    tokens = i + 1 < depth ? block->forward(tokens) : block->forward_first_token(tokens);
  }
  return norm_->forward(tokens.select(1, 0));
}

torch::Tensor normalise_features(const torch::Tensor& features) {
  return features / features.norm(2, 1, true).detach();
}

ViTExtractorImpl::ViTExtractorImpl(ViTConfig config, bool normalise) : normalise_(normalise) {
  model_ = register_module("model", VisionTransformer(std::move(config)));
}

torch::Tensor ViTExtractorImpl::forward(const torch::Tensor& images) {
  auto features = model_->forward(images);
  return normalise_ ? normalise_features(features) : features;
}

int64_t ViTExtractorImpl::activation_floats(int64_t height, int64_t width) const {
  const ViTConfig& config = model_->config();
  const int64_t tokens = (height / config.patch_size) * (width / config.patch_size) + 1;
  // The attention scores (heads x T x T) or the MLP hidden layer (T x mlp), whichever is larger.
  return std::max(config.heads * tokens * tokens, tokens * config.mlp_hidden);
}

std::string ViTExtractorImpl::describe() const {
  const ViTConfig& c = model_->config();
  return fmt::format("{} (patch {}, dim {}, depth {}, heads {}, mlp {})", c.arch, c.patch_size, c.dim, c.depth,
                     c.heads, c.mlp_hidden);
}

void ViTExtractorImpl::load_checkpoint(const std::string& path) {
  auto state = strip_key_prefix(read_state_dict(path), "norm.bias", path);
  load_state_dict_strict(*model_, state, path, "arch " + model_->config().arch);
}

}  // namespace oml
