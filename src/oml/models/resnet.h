#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "oml/models/extractor_module.h"

// torchvision's ResNet (v1.5: the stride of a bottleneck sits on its 3x3 conv) and OML's
// ResnetExtractor on top of it. Submodule and buffer names are torchvision's state-dict keys
// (conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, fc, ...), so checkpoints load both ways.
namespace oml {

struct ResNetConfig {
  std::string arch;                 // "resnet18" ... "resnet152", "resnet50_projector"
  bool bottleneck = false;          // Bottleneck blocks (50/101/152) instead of BasicBlocks
  std::array<int64_t, 4> blocks{};  // blocks per stage
  bool projector = false;           // fc = Linear(2048,2048) -> ReLU -> Linear(2048,128) (MoCo v2)

  int64_t expansion() const { return bottleneck ? 4 : 1; }
  int64_t pooled_dim() const { return 512 * expansion(); }
};

// The archs OML's ResnetExtractor accepts; throws InputError naming them for anything else.
ResNetConfig resnet_config_for_arch(const std::string& arch);
std::vector<std::string> known_resnet_archs();
bool is_resnet_arch(const std::string& arch);

// One residual block, basic (two 3x3 convs) or bottleneck (1x1, 3x3 with the stride, 1x1 x4).
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(bool bottleneck, int64_t in_channels, int64_t planes, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  bool bottleneck_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  torch::nn::Sequential downsample_{nullptr};
};
TORCH_MODULE(ResidualBlock);

// torchvision's ResNet trunk with OML's pooling choice and an optional fc:
// conv1 7x7/2 -> bn1 -> relu -> maxpool 3x3/2 -> layer1..4 -> pool -> flatten -> fc.
class ResNetImpl : public torch::nn::Module {
 public:
  // gem_p: OML's GEM pooling with power p (none = average pooling). with_fc false = OML's
  // remove_fc (fc is nn.Identity, so the pooled features come out).
  ResNetImpl(ResNetConfig config, std::optional<double> gem_p, bool with_fc);
  torch::Tensor forward(const torch::Tensor& images);
  const ResNetConfig& config() const { return config_; }
  const std::optional<double>& gem_p() const { return gem_p_; }
  int64_t out_dim() const;

 private:
  ResNetConfig config_;
  std::optional<double> gem_p_;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  std::array<torch::nn::Sequential, 4> layers_{};
  torch::nn::Linear fc_{nullptr};          // plain head (1000 classes, torchvision's default)
  torch::nn::Sequential projector_{nullptr};  // registered as "fc" for resnet50_projector
};
TORCH_MODULE(ResNet);

// OML's GEM: clip(x, 1e-6)^p, mean over H and W, then ^(1/p). [B,C,H,W] -> [B,C].
torch::Tensor gem_pool(const torch::Tensor& x, double p);

// OML's ResnetExtractor(weights, arch, gem_p, remove_fc, normalise_features): the ResNet registered
// as `model` (keys model.conv1.weight, ... as in OML checkpoints and under `extractor.` in
// ConcatSiamese), then optional L2 normalisation.
class ResNetExtractorImpl : public ExtractorModule {
 public:
  ResNetExtractorImpl(ResNetConfig config, std::optional<double> gem_p, bool remove_fc, bool normalise);
  torch::Tensor forward(const torch::Tensor& images) override;
  int64_t feat_dim() const override { return model_->out_dim(); }
  std::string arch() const override { return model_->config().arch; }
  int64_t min_image_side() const override { return 1; }
  int64_t activation_floats(int64_t height, int64_t width) const override;
  // OML's rules: keep only module.encoder_q.* (prefix stripped) when the file is a MoCo checkpoint;
  // unwrap state_dict; drop criterion.*; strip the prefix before "layer4."; with remove_fc drop
  // fc.weight/fc.bias; strict load. resnet50_projector loads its projector fc.0/fc.2 strictly even
  // with remove_fc and then drops it, as OML replaces fc by nn.Identity after loading.
  void load_checkpoint(const std::string& path) override;
  torch::nn::Module& checkpoint_module() override { return *model_; }
  std::string describe() const override;
  ResNet& resnet() { return model_; }
  bool remove_fc() const { return remove_fc_; }

 private:
  ResNet model_{nullptr};
  bool remove_fc_;
  bool normalise_;
};
TORCH_MODULE(ResNetExtractor);

}  // namespace oml
