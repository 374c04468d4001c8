#include "oml/models/extractor_factory.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "oml/common/errors.h"
#include "oml/models/resnet.h"
#include "oml/models/vit.h"

namespace oml {

std::vector<std::string> known_extractor_archs() {
  auto archs = known_vit_archs();
  for (const auto& arch : known_resnet_archs()) archs.push_back(arch);
  return archs;
}

void check_extractor_spec(const ExtractorSpec& spec) {
  if (spec.vit_override) return;
  if (is_resnet_arch(spec.arch)) {
    if (spec.gem_p && !(*spec.gem_p > 0)) throw InputError(fmt::format("--gem-p must be > 0, got {}", *spec.gem_p));
    return;
  }
  const auto vits = known_vit_archs();
  if (std::find(vits.begin(), vits.end(), spec.arch) == vits.end()) {
    throw InputError(fmt::format("unknown arch '{}'; expected one of {}", spec.arch,
                                 fmt::join(known_extractor_archs(), ", ")));
  }
  if (spec.gem_p) throw InputError(fmt::format("--gem-p applies to ResNet archs only, not {}", spec.arch));
  if (!spec.remove_fc) throw InputError(fmt::format("--keep-fc applies to ResNet archs only, not {}", spec.arch));
}

std::shared_ptr<ExtractorModule> make_extractor_module(const ExtractorSpec& spec) {
  check_extractor_spec(spec);
  if (spec.vit_override) return std::make_shared<ViTExtractorImpl>(*spec.vit_override, spec.normalise);
  if (is_resnet_arch(spec.arch)) {
    return std::make_shared<ResNetExtractorImpl>(resnet_config_for_arch(spec.arch), spec.gem_p, spec.remove_fc,
                                                 spec.normalise);
  }
  return std::make_shared<ViTExtractorImpl>(vit_config_for_arch(spec.arch), spec.normalise);
}

}  // namespace oml
