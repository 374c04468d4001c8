#pragma once
#include <string>
#include <vector>

namespace oml::datasets {

constexpr const char* kNpmRegistry = "https://registry.npmjs.org";

// One pinned release of an npm package.
struct NpmPackage {
  std::string name;
  std::string version;
  std::string integrity;  // npm's dist.integrity of that release: "sha512-<base64>"

  std::string tarball_name() const { return name + "-" + version + ".tgz"; }
  std::string tarball_url(const std::string& registry) const;
};

// $XDG_CACHE_HOME/oml.cpp when set, else ~/.cache/oml.cpp (the zoo's rule, own directory).
std::string default_cache_root();

// Makes `members` (paths inside the tarball, e.g. "package/emoji.json"; a directory brings its
// whole tree) available under the returned directory, cache_root/npm/<name>-<version>, and returns
// it. Already extracted members are used as they are, without the network. Otherwise the tarball
// is taken from cache_root/npm/ or downloaded there from `registry` (through a temporary file),
// its sha512 checked, and all members extracted with tar into a fresh directory renamed into
// place. Failures throw InputError naming the URL and where to put the file by hand.
std::string ensure_npm_package_files(const NpmPackage& package, const std::vector<std::string>& members,
                                     const std::string& cache_root,
                                     const std::string& registry = kNpmRegistry);

// npm's integrity string ("sha512-" + base64 of the SHA-512 digest) of a file.
std::string npm_integrity_of_file(const std::string& path);

}  // namespace oml::datasets
