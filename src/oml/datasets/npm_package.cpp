#include "oml/datasets/npm_package.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "oml/common/errors.h"
#include "oml/common/subprocess.h"

namespace oml::datasets {

namespace fs = std::filesystem;

namespace {

size_t append_to_file(char* data, size_t size, size_t count, void* file) {
  return std::fwrite(data, size, count, static_cast<std::FILE*>(file)) * size;
}

// Downloads `url` to `path`; returns an empty string on success, else the reason.
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
  // A stalled transfer (under 1 kB/s for a minute) fails instead of hanging the command.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &append_to_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, file.get());
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return error[0] ? error : curl_easy_strerror(code);
  if (std::fflush(file.get()) != 0) return "write failed (disk full?)";
  return "";
}

std::string by_hand_advice(const NpmPackage& package, const std::string& registry,
                           const std::string& destination) {
  return "download " + package.tarball_url(registry) + " yourself and save it as " + destination +
         " (npm integrity " + package.integrity + ")";
}

void remove_quietly(const fs::path& path) {
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

// The verified tarball in the cache, downloaded when missing.
std::string ensure_tarball(const NpmPackage& package, const std::string& npm_dir,
                           const std::string& registry) {
  const std::string destination = npm_dir + "/" + package.tarball_name();
  if (fs::exists(destination)) {
    const std::string integrity = npm_integrity_of_file(destination);
    if (integrity == package.integrity) return destination;
    throw InputError(destination + ": integrity " + integrity + " does not match the pinned " + package.name +
                     " " + package.version + " (" + package.integrity + "); delete it, or " +
                     by_hand_advice(package, registry, destination));
  }
  const std::string url = package.tarball_url(registry);
  const std::string temporary = destination + ".part" + std::to_string(::getpid());
  std::fprintf(stderr, "downloading %s to %s\n", url.c_str(), destination.c_str());
  const std::string failure = download(url, temporary);
  if (!failure.empty()) {
    remove_quietly(temporary);
    throw InputError("cannot download " + package.name + " " + package.version + " (" + failure +
                     "): " + by_hand_advice(package, registry, destination));
  }
  const std::string integrity = npm_integrity_of_file(temporary);
  if (integrity != package.integrity) {
    remove_quietly(temporary);
    throw InputError("the file downloaded from " + url + " has integrity " + integrity + ", expected " +
                     package.integrity + ": " + by_hand_advice(package, registry, destination));
  }
  fs::rename(temporary, destination);
  return destination;
}

bool all_present(const std::string& directory, const std::vector<std::string>& members) {
  for (const std::string& member : members) {
    if (!fs::exists(directory + "/" + member)) return false;
  }
  return true;
}

}  // namespace

std::string NpmPackage::tarball_url(const std::string& registry) const {
  return registry + "/" + name + "/-/" + tarball_name();
}

std::string default_cache_root() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/oml.cpp";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/oml.cpp";
}

std::string npm_integrity_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file to check its integrity");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha512(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  std::string base64(4 * ((length + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()), digest, static_cast<int>(length));
  base64.resize(static_cast<size_t>(written));
  return "sha512-" + base64;
}

std::string ensure_npm_package_files(const NpmPackage& package, const std::vector<std::string>& members,
                                     const std::string& cache_root, const std::string& registry) {
  const std::string npm_dir = cache_root + "/npm";
  const std::string extracted = npm_dir + "/" + package.name + "-" + package.version;
  if (all_present(extracted, members)) return extracted;
  std::error_code error;
  fs::create_directories(npm_dir, error);
  if (error) throw InputError("cannot create the cache directory " + npm_dir + ": " + error.message());
  const std::string tarball = ensure_tarball(package, npm_dir, registry);

  // Extract into a private directory and rename it into place, so an interrupted extraction is
  // never mistaken for a complete one.
  const std::string staging = extracted + ".part" + std::to_string(::getpid());
  remove_quietly(staging);
  fs::create_directories(staging, error);
  if (error) throw InputError("cannot create " + staging + ": " + error.message());
  std::vector<std::string> command = {"tar", "-x",    "-z", "--no-same-owner", "-f", tarball,
                                      "-C",  staging, "--"};
  command.insert(command.end(), members.begin(), members.end());
  const int status = run_program(command, "install tar");
  if (status != 0 || !all_present(staging, members)) {
    remove_quietly(staging);
    throw InputError(tarball + ": tar could not extract the expected files (exit status " +
                     std::to_string(status) + "); delete the file to download it again");
  }
  remove_quietly(extracted);
  fs::rename(staging, extracted, error);
  if (error) {
    // Another process (a parallel test, say) may have put its own complete copy in place first.
    remove_quietly(staging);
    if (!all_present(extracted, members)) {
      throw InputError("cannot move " + staging + " to " + extracted + ": " + error.message());
    }
  }
  return extracted;
}

}  // namespace oml::datasets
