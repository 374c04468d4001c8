#pragma once
#include <optional>
#include <string>
#include <vector>

#include "oml/data/transforms.h"

// OML's pretrained-weights zoo for the DINO ViT family (spec §4): names, URLs, md5 prefixes, init
// args and transforms, the shared cache directory and downloading.
namespace oml {

struct ZooEntry {
  std::string name;        // "vits16_dino"
  std::string arch;        // ViTExtractor init arg
  bool normalise = false;  // normalise_features init arg
  std::string url;
  std::string md5_prefix;  // the cached file's md5 hex must start with it
  std::string file_name;   // name inside the cache directory
  std::string transform;   // as in the spec: "squash(224)", "hypvit(224,224)", "albu(224)"
  // The recipe --transform pretrained applies; nullopt where oml.cpp does not reproduce it (albu).
  std::optional<TransformSpec> transform_spec;
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
