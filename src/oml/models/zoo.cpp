#include "oml/models/zoo.h"

#include <fmt/format.h>

#include <filesystem>

#include "oml/common/cache_dir.h"
#include "oml/common/download.h"
#include "oml/common/errors.h"
#include "oml/common/file_digest.h"

namespace oml {
namespace {

const std::string kFacebook = "https://dl.fbaipublicfiles.com";
const std::string kOmlServer = "https://oml.daloroserver.com/download/checkpoints";

std::string failure_advice(const ZooEntry& entry, const std::string& destination) {
  return fmt::format("download {} yourself and save it as {} (its md5 must start with {})", entry.url,
                     destination, entry.md5_prefix);
}

}  // namespace

const std::vector<ZooEntry>& zoo_entries() {
  static const std::vector<ZooEntry> entries = {
      {"vits16_dino", "vits16", false,
       kFacebook + "/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth", "cf0f22",
       "vits16_dino.ckpt", "squash(224)", TransformSpec::squash(224)},
      {"vits8_dino", "vits8", false,
       kFacebook + "/dino/dino_deitsmall8_pretrain/dino_deitsmall8_pretrain.pth", "230cd5", "vits8_dino.ckpt",
       "squash(224)", TransformSpec::squash(224)},
      {"vitb16_dino", "vitb16", false,
       kFacebook + "/dino/dino_vitbase16_pretrain/dino_vitbase16_pretrain.pth", "552daf", "vitb16_dino.ckpt",
       "squash(224)", TransformSpec::squash(224)},
      {"vitb8_dino", "vitb8", false, kFacebook + "/dino/dino_vitbase8_pretrain/dino_vitbase8_pretrain.pth",
       "556550", "vitb8_dino.ckpt", "squash(224)", TransformSpec::squash(224)},
      {"vits16_inshop", "vits16", false, kOmlServer + "/inshop/vits16_inshop_a76b85.ckpt", "a76b85",
       "vits16_inshop.ckpt", "hypvit(224,224)", TransformSpec::hypvit(224, 224)},
      {"vits16_sop", "vits16", true, kOmlServer + "/sop/vits16_sop_21e743.ckpt", "21e743", "vits16_sop.ckpt",
       "hypvit(224,224)", TransformSpec::hypvit(224, 224)},
      {"vits16_cub", "vits16", false, kOmlServer + "/cub/vits16_cub.ckpt", "e82633", "vits16_cub.ckpt",
       "albu(224)", std::nullopt},
      {"vits16_cars", "vits16", false, kOmlServer + "/cars/vits16_cars.ckpt", "9f1e59", "vits16_cars.ckpt",
       "albu(224)", std::nullopt},
  };
  return entries;
}

const ZooEntry* find_zoo_entry(const std::string& name) {
  for (const auto& entry : zoo_entries()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::string zoo_cache_dir() { return user_cache_dir() + "/oml/torch/checkpoints"; }

std::string md5_hex_of_file(const std::string& path) {
  return lowercase_hex(digest_of_file(path, DigestAlgorithm::kMd5, "md5"));
}

ZooCacheStatus zoo_cache_status(const ZooEntry& entry, const std::string& cache_dir) {
  const std::string path = cache_dir + "/" + entry.file_name;
  if (!std::filesystem::exists(path)) return ZooCacheStatus::kMissing;
  return md5_hex_of_file(path).rfind(entry.md5_prefix, 0) == 0 ? ZooCacheStatus::kValid
                                                               : ZooCacheStatus::kChecksumMismatch;
}

std::string ensure_zoo_checkpoint(const ZooEntry& entry, const std::string& cache_dir) {
  const std::string destination = cache_dir + "/" + entry.file_name;
  const auto status = zoo_cache_status(entry, cache_dir);
  if (status == ZooCacheStatus::kValid) return destination;
  std::error_code error;
  std::filesystem::create_directories(cache_dir, error);
  if (error) {
    throw InputError(fmt::format("cannot create the zoo cache directory {}: {}", cache_dir, error.message()));
  }
  const auto find_fault = [&](const std::string& downloaded) {
    const std::string md5 = md5_hex_of_file(downloaded);
    if (md5.rfind(entry.md5_prefix, 0) == 0) return std::string();
    return fmt::format("md5 {}, expected a prefix {}", md5, entry.md5_prefix);
  };
  download_checked_file({entry.url, destination, fmt::format("the '{}' weights", entry.name),
                         failure_advice(entry, destination), find_fault});
  return destination;
}

}  // namespace oml
