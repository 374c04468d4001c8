#include "oml/datasets/npm_package.h"

#include <unistd.h>

#include <filesystem>

#include "oml/common/cache_dir.h"
#include "oml/common/download.h"
#include "oml/common/errors.h"
#include "oml/common/file_digest.h"
#include "oml/common/subprocess.h"

namespace oml::datasets {

namespace fs = std::filesystem;

namespace {

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
  const auto find_fault = [&](const std::string& downloaded) {
    const std::string integrity = npm_integrity_of_file(downloaded);
    if (integrity == package.integrity) return std::string();
    return "integrity " + integrity + ", expected " + package.integrity;
  };
  download_checked_file({package.tarball_url(registry), destination, package.name + " " + package.version,
                         by_hand_advice(package, registry, destination), find_fault});
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

std::string default_cache_root() { return user_cache_dir() + "/oml.cpp"; }

std::string npm_integrity_of_file(const std::string& path) {
  return "sha512-" + base64(digest_of_file(path, DigestAlgorithm::kSha512, "integrity"));
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
