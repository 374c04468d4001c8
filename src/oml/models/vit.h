#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "oml/models/extractor_module.h"
#include "oml/models/pos_embed_interpolation.h"
#include "oml/models/vit_config.h"

// DINO's VisionTransformer (spec §3.1) as libtorch modules. Submodule and parameter names are the
// DINO checkpoint keys, so named_parameters() yields exactly the state-dict keys in DINO's order:
// cls_token, pos_embed, patch_embed.proj.*, blocks.i.*, norm.*.
namespace oml {

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int64_t dim, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);
  // forward(x)[:, :1]: only the first (CLS) token attends; keys and values still use every token.
  torch::Tensor forward_first_token(const torch::Tensor& x);

 private:
  int64_t heads_;
  double scale_;
  torch::nn::Linear qkv_{nullptr};
  torch::nn::Linear proj_{nullptr};
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear fc1_{nullptr};
  torch::nn::Linear fc2_{nullptr};
};
TORCH_MODULE(Mlp);

class TransformerBlockImpl : public torch::nn::Module {
 public:
  explicit TransformerBlockImpl(const ViTConfig& config);
  torch::Tensor forward(torch::Tensor x);
  // forward(x)[:, :1] at about 1/6 of the cost: the last block only has to produce the CLS token.
  torch::Tensor forward_first_token(const torch::Tensor& x);

 private:
  torch::nn::LayerNorm norm1_{nullptr};
  Attention attn_{nullptr};
  torch::nn::LayerNorm norm2_{nullptr};
  Mlp mlp_{nullptr};
};
TORCH_MODULE(TransformerBlock);

class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(int64_t patch_size, int64_t dim);
  // [B,3,H,W] -> [B, (H/p)*(W/p), dim], patches in row-major order; remainder pixels dropped.
  torch::Tensor forward(const torch::Tensor& images);

 private:
  torch::nn::Conv2d proj_{nullptr};
};
TORCH_MODULE(PatchEmbed);

class VisionTransformerImpl : public torch::nn::Module {
 public:
  explicit VisionTransformerImpl(ViTConfig config);
  // Float images [B,3,H,W] (H, W >= patch size) -> CLS features [B, dim] after the final norm.
  torch::Tensor forward(const torch::Tensor& images);

  const ViTConfig& config() const { return config_; }

 private:
  ViTConfig config_;
  torch::Tensor cls_token_;
  torch::Tensor pos_embed_;
  PatchEmbed patch_embed_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  PosEmbedInterpolator pos_interpolator_;
};
TORCH_MODULE(VisionTransformer);

// x / ||x||_2 per row with the norm detached and no epsilon (spec §3.3): a zero row gives NaN.
torch::Tensor normalise_features(const torch::Tensor& features);

// OML's ViTExtractor: the ViT registered as `model` (so its keys are `model.<dino key>`, as in OML
// checkpoints and under `extractor.` in ConcatSiamese) plus the normalise_features switch.
class ViTExtractorImpl : public ExtractorModule {
 public:
  ViTExtractorImpl(ViTConfig config, bool normalise);
  torch::Tensor forward(const torch::Tensor& images) override;

  VisionTransformer& vit() { return model_; }
  const ViTConfig& config() const { return model_->config(); }
  int64_t feat_dim() const override { return model_->config().dim; }
  std::string arch() const override { return model_->config().arch; }
  int64_t min_image_side() const override { return model_->config().patch_size; }
  int64_t activation_floats(int64_t height, int64_t width) const override;
  // Spec §3.4: the prefix found with trial key "norm.bias" is stripped, then a strict load.
  void load_checkpoint(const std::string& path) override;
  torch::nn::Module& checkpoint_module() override { return *model_; }
  std::string describe() const override;
  bool normalise() const { return normalise_; }

 private:
  VisionTransformer model_{nullptr};
  bool normalise_;
};
TORCH_MODULE(ViTExtractor);

}  // namespace oml
