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
const std::string kTorchvision = "https://download.pytorch.org/models";

ZooEntry torchvision_resnet(const std::string& arch, const std::string& sha256_prefix) {
  ZooEntry entry{arch + "_imagenet1k_v1", arch, false, kTorchvision + "/" + arch + "-" + sha256_prefix + ".pth",
                 sha256_prefix, arch + "-" + sha256_prefix + ".pth", "squash(224)", TransformSpec::squash(224)};
  entry.sha256 = true;
  return entry;
}

ZooEntry moco_v2_resnet50() {
  ZooEntry entry{"resnet50_moco_v2", "resnet50_projector", false,
                 kFacebook + "/moco/moco_checkpoints/moco_v2_800ep/moco_v2_800ep_pretrain.pth.tar", "a04e12f8",
                 "moco_v2_800ep_pretrain.pth.tar", "squash(224)", TransformSpec::squash(224)};
  entry.gem_p = 5.0;
  return entry;
}

std::string digest_name(const ZooEntry& entry) { return entry.sha256 ? "sha256" : "md5"; }

std::string file_digest_hex(const ZooEntry& entry, const std::string& path) {
  if (!entry.sha256) return md5_hex_of_file(path);
  return lowercase_hex(digest_of_file(path, DigestAlgorithm::kSha256, "sha256"));
}

std::string failure_advice(const ZooEntry& entry, const std::string& destination) {
  return fmt::format("download {} yourself and save it as {} (its {} must start with {})", entry.url,
                     destination, digest_name(entry), entry.md5_prefix);
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
      moco_v2_resnet50(),
      torchvision_resnet("resnet18", "f37072fd"),
      torchvision_resnet("resnet34", "b627a593"),
      torchvision_resnet("resnet50", "0676ba61"),
      torchvision_resnet("resnet101", "63fe2227"),
      torchvision_resnet("resnet152", "394f9c45"),
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
  return file_digest_hex(entry, path).rfind(entry.md5_prefix, 0) == 0 ? ZooCacheStatus::kValid
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
    const std::string digest = file_digest_hex(entry, downloaded);
    if (digest.rfind(entry.md5_prefix, 0) == 0) return std::string();
    return fmt::format("{} {}, expected a prefix {}", digest_name(entry), digest, entry.md5_prefix);
  };
  download_checked_file({entry.url, destination, fmt::format("the '{}' weights", entry.name),
                         failure_advice(entry, destination), find_fault});
  return destination;
}

}  // namespace oml
