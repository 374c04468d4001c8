#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oml/data/transforms.h"

// OML's pretrained-weights zoo for the DINO ViT and ResNet families (spec §4, OML's ResnetExtractor): names, URLs, md5 prefixes, init
// args and transforms, the shared cache directory and downloading.
namespace oml {

struct ZooEntry {
  ZooEntry() = default;
  ZooEntry(std::string name_, std::string arch_, bool normalise_, std::string url_, std::string md5_prefix_,
           std::string file_name_, std::string transform_, std::optional<TransformSpec> transform_spec_)
      : name(std::move(name_)),
        arch(std::move(arch_)),
        normalise(normalise_),
        url(std::move(url_)),
        md5_prefix(std::move(md5_prefix_)),
        file_name(std::move(file_name_)),
        transform(std::move(transform_)),
        transform_spec(std::move(transform_spec_)) {}

  std::string name;        // "vits16_dino"
  std::string arch;        // ViTExtractor / ResnetExtractor init arg
  bool normalise = false;  // normalise_features init arg
  std::string url;
  // The cached file's digest must start with it: md5 as OML lists it, or sha256 for the
  // torchvision files OML's *_imagenet1k_v1 entries load (their file names carry it).
  std::string md5_prefix;
  std::string file_name;   // name inside the cache directory
  std::string transform;   // as in the spec: "squash(224)", "hypvit(224,224)", "albu(224)"
  // The recipe --transform pretrained applies; nullopt where oml.cpp does not reproduce it (albu).
  std::optional<TransformSpec> transform_spec;
  std::optional<double> gem_p;  // ResnetExtractor init args (unused for ViTs)
  bool remove_fc = true;
  bool sha256 = false;  // md5_prefix holds a sha256 prefix
};

const std::vector<ZooEntry>& zoo_entries();
// nullptr when `name` is not a zoo name (so it is taken as a file path).
const ZooEntry* find_zoo_entry(const std::string& name);

// ${XDG_CACHE_HOME:-$HOME/.cache}/oml/torch/checkpoints, OML's cache (files are shared with it).
std::string zoo_cache_dir();

std::string md5_hex_of_file(const std::string& path);

enum class ZooCacheStatus { kMissing, kValid, kChecksumMismatch };
ZooCacheStatus zoo_cache_status(const ZooEntry& entry, const std::string& cache_dir);

// Path of the entry's checkpoint in `cache_dir`: reused when its md5 matches; otherwise downloaded
// to a temporary file, checked and renamed into place (a mismatch deletes it and throws). Offline or
// failed downloads throw InputError naming the URL and the path where the file should be put.
std::string ensure_zoo_checkpoint(const ZooEntry& entry, const std::string& cache_dir);

}  // namespace oml
