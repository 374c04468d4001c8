#include "oml/cli/extractor_options.h"

#include "oml/common/errors.h"
#include "oml/models/zoo.h"

namespace oml::cli {

void add_extractor_options(CLI::App* command, ExtractorOptions& options) {
  command->add_option("--weights", options.weights, "Checkpoint (.pth/.ckpt) or zoo name (see `oml zoo`)")
      ->required();
  command->add_option("--arch", options.arch,
                      "vits16|vits8|vitb16|vitb8|vitt16|resnet18|resnet34|resnet50|resnet101|resnet152|"
                      "resnet50_projector (default vits16; zoo names set it)");
  command->add_flag("--normalise", options.normalise, "L2-normalise the features (zoo names may set it)");
  command->add_option("--gem-p", options.gem_p,
                      "ResNets: GeM pooling with this power instead of average pooling (OML's gem_p)");
  command->add_flag("--keep-fc", options.keep_fc,
                    "ResNets: keep the fc layer (OML's remove_fc=False); default: pooled features");
  command
      ->add_option("--transform", options.transform,
                   "squash (S x S, aspect not kept) or pretrained (the zoo's)")
      ->capture_default_str();
  command->add_option("--size", options.size, "squash size S in pixels")->capture_default_str();
  command->add_option("--precision", options.precision, "fp32 or bf16 (faster, approximate)")
      ->capture_default_str();
}

ExtractorSpec requested_extractor_spec(const ExtractorOptions& options) {
  ExtractorSpec requested;
  requested.arch = options.arch;
  requested.normalise = options.normalise;
  if (options.gem_p != 0) requested.gem_p = options.gem_p;
  requested.remove_fc = !options.keep_fc;
  return requested;
}

TransformSpec choose_transform(const ExtractorOptions& options, const ZooEntry* zoo_entry) {
  if (options.size < 1) throw InputError("--size: expected a positive number of pixels");
  if (options.transform == "squash") return TransformSpec::squash(options.size);
  if (options.transform != "pretrained") {
    throw InputError("--transform: expected squash or pretrained, got '" + options.transform + "'");
  }
  if (!zoo_entry) throw InputError("--transform pretrained needs a zoo name for --weights");
  if (!zoo_entry->transform_spec) {
    throw InputError("--transform pretrained: the '" + zoo_entry->name + "' weights use OML's " +
                     zoo_entry->transform +
                     " (albumentations) recipe, which oml.cpp does not reproduce; use --transform squash");
  }
  return *zoo_entry->transform_spec;
}

void check_transform_before_download(const ExtractorOptions& options) {
  if (options.transform == "pretrained" && !find_zoo_entry(options.weights))
    choose_transform(options, nullptr);
}

}  // namespace oml::cli
