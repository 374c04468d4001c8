#pragma once
// The extractor flags that `oml extract` and `oml serve` share (--weights, --arch, --normalise,
// --gem-p, --keep-fc, --transform, --size, --precision), so that a served embedding is computed by
// exactly the model and transform an `oml extract` run with the same flags uses.
#include <CLI/CLI.hpp>
#include <string>

#include "oml/data/transforms.h"
#include "oml/models/extractor.h"

namespace oml::cli {

struct ExtractorOptions {
  std::string weights;
  std::string arch;  // empty = vits16, or the zoo's arch
  bool normalise = false;
  double gem_p = 0;  // 0 = not given (average pooling, or the zoo's)
  bool keep_fc = false;
  std::string transform = "squash";
  int size = 224;
  std::string precision = "fp32";
};

void add_extractor_options(CLI::App* command, ExtractorOptions& options);

// What the flags ask for, before a zoo name fills in its own arch and normalisation.
ExtractorSpec requested_extractor_spec(const ExtractorOptions& options);

// --transform squash|pretrained and --size; `zoo_entry` is null when --weights is a file.
TransformSpec choose_transform(const ExtractorOptions& options, const ZooEntry* zoo_entry);

// Checks --transform before a zoo download can start (a bad value should not cost a download).
void check_transform_before_download(const ExtractorOptions& options);

}  // namespace oml::cli
