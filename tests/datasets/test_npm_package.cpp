// What tar extracts from an npm tarball is checked before anything reads it
// (src/oml/datasets/npm_package.cpp): plain files only, each and all within size bounds. The
// tarballs are made here with tar and "pinned" by their own sha512, as a hostile pin would be.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "oml/common/errors.h"
#include "oml/datasets/npm_package.h"
#include "support/command.h"
#include "support/scratch_dir.h"

namespace oml::datasets {
namespace {

namespace fs = std::filesystem;
using test_support::run_command;
using test_support::ScratchDir;
using testing::HasSubstr;

// Packs dir/src/package into cache/npm/<name>-1.0.0.tgz and returns the package pinned to it.
NpmPackage pack(const ScratchDir& dir, const std::string& name) {
  fs::create_directories(dir.path() / "cache" / "npm");
  const std::string tarball = dir.file("cache/npm/" + name + "-1.0.0.tgz");
  const auto result = run_command("tar -C " + dir.file("src") + " -czf " + tarball + " package");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return {name, "1.0.0", npm_integrity_of_file(tarball)};
}

std::string error_of(const ScratchDir& dir, const NpmPackage& package) {
  try {
    ensure_npm_package_files(package, {"package"}, dir.file("cache"), "http://127.0.0.1:9");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(NpmPackage, PlainFilesAreExtracted) {
  const ScratchDir dir("npm_plain");
  fs::create_directories(dir.path() / "src/package/img");
  dir.write("src/package/img/sheet.png", "png bytes");
  const NpmPackage package = pack(dir, "plain");
  const std::string extracted = ensure_npm_package_files(package, {"package"}, dir.file("cache"), "");
  EXPECT_EQ(test_support::read_text(extracted + "/package/img/sheet.png"), "png bytes");
}

TEST(NpmPackage, SymlinkMemberIsRefusedAndNothingIsKept) {
  // A sprite sheet that is a link to a file outside the package would be read as an image.
  const ScratchDir dir("npm_symlink");
  fs::create_directories(dir.path() / "src/package/img");
  fs::create_symlink("/etc/hostname", dir.path() / "src/package/img/sheet.png");
  const NpmPackage package = pack(dir, "linked");
  EXPECT_THAT(
      error_of(dir, package),
      HasSubstr("linked-1.0.0.tgz: member 'package/img/sheet.png' is a link or special file, not a plain "
                "file; delete the file to download it again"));
  EXPECT_FALSE(fs::exists(dir.path() / "cache/npm/linked-1.0.0"));
}

TEST(NpmPackage, MemberAboveTheSizeLimitIsRefused) {
  // 65 MiB of zeros: about 64 KB of tarball, more than any image sheet such packages hold.
  const ScratchDir dir("npm_big");
  fs::create_directories(dir.path() / "src/package");
  {
    std::ofstream out(dir.file("src/package/big.png"), std::ios::binary);
    const std::string mib(1 << 20, '\0');
    for (int i = 0; i < 65; ++i) out << mib;
  }
  const NpmPackage package = pack(dir, "big");
  EXPECT_THAT(error_of(dir, package),
              HasSubstr("big-1.0.0.tgz: member 'package/big.png' is 68157440 bytes, more than the limit of "
                        "67108864"));
  EXPECT_FALSE(fs::exists(dir.path() / "cache/npm/big-1.0.0"));
}

}  // namespace
}  // namespace oml::datasets
