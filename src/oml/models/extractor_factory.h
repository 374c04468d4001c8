#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oml/models/extractor_module.h"
#include "oml/models/vit_config.h"

// Builds an ExtractorModule of either family from OML's init args.
namespace oml {

struct ExtractorSpec {
  std::string arch = "vits16";  // a ViT arch (vits16, ...) or a ResNet arch (resnet18, ...)
  bool normalise = false;       // normalise_features
  std::optional<double> gem_p;  // ResNets: GeM pooling power (none = average pooling)
  bool remove_fc = true;        // ResNets: OML's remove_fc (features = pooled vector)
  // A custom ViT shape instead of `arch` (tests and small experiments).
  std::optional<ViTConfig> vit_override;
};

// Every arch --arch accepts, ViTs first.
std::vector<std::string> known_extractor_archs();
// Throws InputError naming the known archs, or when ResNet-only options are set for a ViT.
void check_extractor_spec(const ExtractorSpec& spec);
// A randomly initialised extractor (PyTorch's / torchvision's init) in training mode.
std::shared_ptr<ExtractorModule> make_extractor_module(const ExtractorSpec& spec);

}  // namespace oml
