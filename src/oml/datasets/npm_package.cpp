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

// The tarball's bytes are pinned by their sha512, checked before tar runs, so what it holds is what
// the package's publisher released. These bounds guard against a pin that names a hostile release
// and against tar's own choices: the sprite sheets and images read later are plain files inside
// the directory, of sizes such packages have (the largest member used is 10 MB, a whole package 33 MB).
constexpr uintmax_t kMaxMemberBytes = uintmax_t{64} << 20;
constexpr uintmax_t kMaxExtractedBytes = uintmax_t{512} << 20;
constexpr size_t kMaxExtractedEntries = 200000;

// Refuses links (a symlink would make a later read leave the directory) and anything beyond the bounds.
void check_extracted_tree(const std::string& directory, const std::string& tarball) {
  uintmax_t total = 0;
  size_t entries = 0;
  const auto refuse = [&](const std::string& why) {
    remove_quietly(directory);
    throw InputError(tarball + ": " + why + "; delete the file to download it again");
  };
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    const std::string name = entry.path().lexically_relative(directory).string();  // not resolving links
    if (++entries > kMaxExtractedEntries)
      refuse("more than " + std::to_string(kMaxExtractedEntries) + " files, not an npm package of images");
    const fs::file_status status = entry.symlink_status();
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status))
      refuse("member '" + name + "' is a link or special file, not a plain file");
    if (entry.hard_link_count() > 1) refuse("member '" + name + "' is a hard link");
    const uintmax_t size = entry.file_size();
    total += size;
    if (size > kMaxMemberBytes)
      refuse("member '" + name + "' is " + std::to_string(size) + " bytes, more than the limit of " +
             std::to_string(kMaxMemberBytes));
    if (total > kMaxExtractedBytes)
      refuse("members take more than the limit of " + std::to_string(kMaxExtractedBytes) + " bytes");
  }
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
  check_extracted_tree(staging, tarball);
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
