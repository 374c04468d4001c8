#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "oml/models/extractor_factory.h"
#include "oml/models/zoo.h"

// The embedding side of `oml extract`, behind a torch-free interface so callers (CLI, pipelines)
// do not compile libtorch headers.
namespace oml {

enum class Precision { kFloat32, kBFloat16 };
Precision parse_precision(const std::string& text);  // "fp32" | "bf16", else InputError

// What --weights/--arch/--normalise/--gem-p/--keep-fc resolve to. A zoo name fixes the init args
// (OML's from_pretrained; --normalise can still switch normalisation on); a path uses the options.
struct ExtractorSource {
  std::string weights_path;
  ExtractorSpec spec;
  const ZooEntry* zoo_entry = nullptr;  // set when --weights was a zoo name
};

// `requested.arch` empty = not given on the command line (vits16 for files, the zoo's arch for zoo
// names; a different explicit arch for a zoo name is an InputError). Downloads zoo weights when
// needed.
ExtractorSource resolve_extractor_source(const std::string& weights, ExtractorSpec requested,
                                         const std::string& cache_dir);
ExtractorSource resolve_extractor_source(const std::string& weights, const std::string& arch, bool normalise,
                                         const std::string& cache_dir);

// An extractor of either family in eval mode with its weights loaded (strictly), run without
// gradients.
class ImageEmbedder {
 public:
  ImageEmbedder(const ExtractorSource& source, Precision precision);
  ~ImageEmbedder();
  ImageEmbedder(const ImageEmbedder&) = delete;
  ImageEmbedder& operator=(const ImageEmbedder&) = delete;

  int64_t feat_dim() const;
  // images: float32 [count, 3, height, width], C-contiguous; writes count * feat_dim() floats.
  void embed(const float* images, int64_t count, int64_t height, int64_t width, float* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace oml
