#include "oml/models/zoo.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "oml/common/errors.h"

namespace oml {
namespace {

const std::string kFacebook = "https://dl.fbaipublicfiles.com";
const std::string kOmlServer = "https://oml.daloroserver.com/download/checkpoints";

std::string failure_advice(const ZooEntry& entry, const std::string& destination) {
  return fmt::format("download {} yourself and save it as {} (its md5 must start with {})", entry.url,
                     destination, entry.md5_prefix);
}

size_t write_to_file(char* data, size_t size, size_t count, void* file) {
  return std::fwrite(data, size, count, static_cast<std::FILE*>(file)) * size;
}

// Downloads `url` to `path`; returns an empty string on success, else curl's reason.
std::string download(const std::string& url, const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) return "cannot create " + path;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return "curl_easy_init failed";
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &write_to_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, file.get());
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return error[0] ? error : curl_easy_strerror(code);
  if (std::fflush(file.get()) != 0) return "write failed (disk full?)";
  return "";
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

std::string zoo_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  std::string base;
  if (xdg && *xdg) {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    base = std::string(home && *home ? home : ".") + "/.cache";
  }
  return base + "/oml/torch/checkpoints";
}

std::string md5_hex_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open the file to check its md5", path));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_md5(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
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
  const std::string temporary = destination + ".part" + std::to_string(::getpid());
  std::fprintf(stderr, "downloading %s to %s\n", entry.url.c_str(), destination.c_str());
  const std::string failure = download(entry.url, temporary);
  if (!failure.empty()) {
    std::filesystem::remove(temporary, error);
    throw InputError(fmt::format("cannot download the '{}' weights ({}): {}", entry.name, failure,
                                 failure_advice(entry, destination)));
  }
  const std::string md5 = md5_hex_of_file(temporary);
  if (md5.rfind(entry.md5_prefix, 0) != 0) {
    std::filesystem::remove(temporary, error);
    throw InputError(fmt::format("the file downloaded from {} has md5 {}, expected a prefix {}: {}",
                                 entry.url, md5, entry.md5_prefix, failure_advice(entry, destination)));
  }
  std::filesystem::rename(temporary, destination);
  return destination;
}

}  // namespace oml
