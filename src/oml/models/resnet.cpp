#include "oml/models/resnet.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

#include "oml/common/errors.h"
#include "oml/models/checkpoint.h"
#include "oml/models/vit.h"

namespace oml {
namespace {

torch::nn::Conv2d make_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  // torchvision: no conv bias (a BatchNorm follows), padding keeps the size for 3x3 and 7x7.
  auto conv = torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
  return conv;
}

torch::nn::BatchNorm2d make_batch_norm(int64_t channels) {
  // PyTorch's defaults (eps 1e-5, momentum 0.1, weight 1, bias 0) are torchvision's init.
  return torch::nn::BatchNorm2d(channels);
}

torch::nn::Sequential make_stage(bool bottleneck, int64_t& in_channels, int64_t planes, int64_t blocks,
                                 int64_t stride) {
  torch::nn::Sequential stage;
  for (int64_t i = 0; i < blocks; ++i) {
    stage->push_back(ResidualBlock(bottleneck, in_channels, planes, i == 0 ? stride : 1));
    in_channels = planes * (bottleneck ? 4 : 1);
  }
  return stage;
}

void require_shape(const NamedTensors& state, const std::string& key, std::vector<int64_t> shape,
                   const std::string& path) {
  for (const auto& [name, value] : state) {
    if (name != key) continue;
    if (value.sizes().vec() != shape) {
      throw InputError(fmt::format("{}: {} has shape {}, expected {} for resnet50_projector", path, key,
                                   fmt::join(value.sizes().vec(), "x"), fmt::join(shape, "x")));
    }
    return;
  }
  throw InputError(fmt::format("{}: missing key {} of the resnet50_projector head", path, key));
}

NamedTensors without_keys(NamedTensors state, const std::vector<std::string>& keys) {
  state.erase(std::remove_if(state.begin(), state.end(),
                             [&](const auto& item) {
                               return std::find(keys.begin(), keys.end(), item.first) != keys.end();
                             }),
              state.end());
  return state;
}

// MoCo's training checkpoints hold both encoders; OML keeps the query encoder only.
NamedTensors moco_query_encoder(NamedTensors state) {
  const std::string prefix = "module.encoder_q.";
  NamedTensors kept;
  for (auto& [key, value] : state) {
    if (key.rfind(prefix, 0) == 0) kept.emplace_back(key.substr(prefix.size()), std::move(value));
  }
  return kept;
}

}  // namespace

ResNetConfig resnet_config_for_arch(const std::string& arch) {
  if (arch == "resnet18") return {arch, false, {2, 2, 2, 2}, false};
  if (arch == "resnet34") return {arch, false, {3, 4, 6, 3}, false};
  if (arch == "resnet50") return {arch, true, {3, 4, 6, 3}, false};
  if (arch == "resnet50_projector") return {arch, true, {3, 4, 6, 3}, true};
  if (arch == "resnet101") return {arch, true, {3, 4, 23, 3}, false};
  if (arch == "resnet152") return {arch, true, {3, 8, 36, 3}, false};
  throw InputError(fmt::format("unknown ResNet arch '{}'; expected one of {}", arch,
                               fmt::join(known_resnet_archs(), ", ")));
}

std::vector<std::string> known_resnet_archs() {
  return {"resnet18", "resnet34", "resnet50", "resnet50_projector", "resnet101", "resnet152"};
}

bool is_resnet_arch(const std::string& arch) {
  const auto archs = known_resnet_archs();
  return std::find(archs.begin(), archs.end(), arch) != archs.end();
}

ResidualBlockImpl::ResidualBlockImpl(bool bottleneck, int64_t in_channels, int64_t planes, int64_t stride)
    : bottleneck_(bottleneck) {
  const int64_t out_channels = planes * (bottleneck ? 4 : 1);
  if (bottleneck) {
    conv1_ = register_module("conv1", make_conv(in_channels, planes, 1, 1));
    bn1_ = register_module("bn1", make_batch_norm(planes));
    conv2_ = register_module("conv2", make_conv(planes, planes, 3, stride));
    bn2_ = register_module("bn2", make_batch_norm(planes));
    conv3_ = register_module("conv3", make_conv(planes, out_channels, 1, 1));
    bn3_ = register_module("bn3", make_batch_norm(out_channels));
  } else {
    conv1_ = register_module("conv1", make_conv(in_channels, planes, 3, stride));
    bn1_ = register_module("bn1", make_batch_norm(planes));
    conv2_ = register_module("conv2", make_conv(planes, planes, 3, 1));
    bn2_ = register_module("bn2", make_batch_norm(planes));
  }
  if (stride != 1 || in_channels != out_channels) {
    downsample_ =
        register_module("downsample", torch::nn::Sequential(make_conv(in_channels, out_channels, 1, stride),
                                                            make_batch_norm(out_channels)));
  }
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
  auto out = torch::relu(bn1_->forward(conv1_->forward(x)));
  out = bn2_->forward(conv2_->forward(out));
  if (bottleneck_) out = bn3_->forward(conv3_->forward(torch::relu(out)));
  const auto identity = downsample_ ? downsample_->forward(x) : x;
  return torch::relu(out + identity);
}

ResNetImpl::ResNetImpl(ResNetConfig config, std::optional<double> gem_p, bool with_fc)
    : config_(std::move(config)), gem_p_(gem_p) {
  if (gem_p_ && !(*gem_p_ > 0)) throw InputError(fmt::format("--gem-p must be > 0, got {}", *gem_p_));
  if (gem_p_ && *gem_p_ == 1.0) gem_p_.reset();  // GeM with p = 1 is average pooling
  conv1_ = register_module("conv1", make_conv(3, 64, 7, 2));
  bn1_ = register_module("bn1", make_batch_norm(64));
  int64_t channels = 64;
  const std::array<int64_t, 4> planes{64, 128, 256, 512};
  for (size_t i = 0; i < 4; ++i) {
    layers_[i] = register_module(
        fmt::format("layer{}", i + 1),
        make_stage(config_.bottleneck, channels, planes[i], config_.blocks[i], i == 0 ? 1 : 2));
  }
  if (!with_fc) return;
  const int64_t pooled = config_.pooled_dim();
  if (config_.projector) {
    projector_ = register_module(
        "fc", torch::nn::Sequential(torch::nn::Linear(pooled, pooled), torch::nn::Functional(torch::relu),
                                    torch::nn::Linear(pooled, 128)));
  } else {
    fc_ = register_module("fc", torch::nn::Linear(pooled, 1000));
  }
}

int64_t ResNetImpl::out_dim() const {
  if (projector_) return 128;
  if (fc_) return fc_->options.out_features();
  return config_.pooled_dim();
}

torch::Tensor gem_pool(const torch::Tensor& x, double p) {
  return x.clamp_min(1e-6).pow(p).mean({-2, -1}).pow(1.0 / p);
}

torch::Tensor ResNetImpl::forward(const torch::Tensor& images) {
  // NHWC activations: libtorch's oneDNN convolutions then skip the NCHW<->blocked reorders of every
  // layer (resnet50, 224 px, 2 threads: 1.7x); each conv's output keeps its input's layout.
  auto x = torch::relu(bn1_->forward(conv1_->forward(images.contiguous(torch::MemoryFormat::ChannelsLast))));
  x = torch::max_pool2d(x, 3, 2, 1);
  for (auto& layer : layers_) x = layer->forward(x);
  x = gem_p_ ? gem_pool(x, *gem_p_) : x.mean({-2, -1});
  if (projector_) return projector_->forward(x);
  if (fc_) return fc_->forward(x);
  return x;
}

ResNetExtractorImpl::ResNetExtractorImpl(ResNetConfig config, std::optional<double> gem_p, bool remove_fc,
                                         bool normalise)
    : remove_fc_(remove_fc), normalise_(normalise) {
  model_ = register_module("model", ResNet(std::move(config), gem_p, !remove_fc));
}

torch::Tensor ResNetExtractorImpl::forward(const torch::Tensor& images) {
  auto features = model_->forward(images);
  return normalise_ ? normalise_features(features) : features;
}

int64_t ResNetExtractorImpl::activation_floats(int64_t height, int64_t width) const {
  // conv1's 64 x H/2 x W/2 output; the bottleneck stages' widest tensors (256 x H/4 x W/4) match it.
  return 64 * ((height + 1) / 2) * ((width + 1) / 2);
}

std::string ResNetExtractorImpl::describe() const {
  return fmt::format("{} ({} pooling, {} features)", model_->config().arch,
                     model_->gem_p() ? fmt::format("GeM p={}", *model_->gem_p()) : std::string("average"),
                     feat_dim());
}

void ResNetExtractorImpl::load_checkpoint(const std::string& path) {
  NamedTensors state = read_state_dict(path);
  const bool moco = std::any_of(state.begin(), state.end(), [](const auto& item) {
    return item.first.rfind("module.encoder_q.", 0) == 0;
  });
  if (moco) state = moco_query_encoder(std::move(state));
  state = strip_key_prefix(std::move(state), "layer4.", path);
  if (remove_fc_) {
    state = without_keys(std::move(state), {"fc.weight", "fc.bias"});
    if (model_->config().projector) {
      const int64_t pooled = model_->config().pooled_dim();
      require_shape(state, "fc.0.weight", {pooled, pooled}, path);
      require_shape(state, "fc.0.bias", {pooled}, path);
      require_shape(state, "fc.2.weight", {128, pooled}, path);
      require_shape(state, "fc.2.bias", {128}, path);
      state = without_keys(std::move(state), {"fc.0.weight", "fc.0.bias", "fc.2.weight", "fc.2.bias"});
    }
  }
  load_state_dict_strict(*model_, state, path, "arch " + model_->config().arch);
}

}  // namespace oml
