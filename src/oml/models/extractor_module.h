#pragma once
#include <torch/nn/module.h>

#include <cstdint>
#include <string>

// OML's IExtractor as a torch module: images [B,3,H,W] -> features [B, feat_dim()]. The ViT and
// ResNet families implement it; ConcatSiamese, the extract command and the trainers hold this
// interface and never a concrete family, so a new family needs no change above the models layer.
namespace oml {

class ExtractorModule : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& images) = 0;
  virtual int64_t feat_dim() const = 0;
  // OML's arch name ("vits16", "resnet50", ...).
  virtual std::string arch() const = 0;
  // Smallest image side the model accepts (the ViT patch size; 1 for ResNets).
  virtual int64_t min_image_side() const = 0;
  // Floats of the largest activation one image of height x width creates in a forward pass; callers
  // cap batches with it so activations stay below glibc's mmap threshold.
  virtual int64_t activation_floats(int64_t height, int64_t width) const = 0;
  // Loads an extractor checkpoint with the family's OML rules (state_dict unwrap, criterion keys
  // dropped, the family's prefix rule) and a strict key and shape check. Throws InputError naming
  // the file.
  virtual void load_checkpoint(const std::string& path) = 0;
  // The module whose state dict is the family's checkpoint layout (the DINO ViT, the torchvision
  // ResNet): what train-extractor saves and OML's extractors load.
  virtual torch::nn::Module& checkpoint_module() = 0;
  // One line naming the shape, e.g. "vitt16 (patch 16, dim 192, ...)" or "resnet18".
  virtual std::string describe() const = 0;
};

}  // namespace oml
