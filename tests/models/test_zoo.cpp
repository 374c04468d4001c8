#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "oml/common/errors.h"
#include "oml/models/extractor.h"
#include "oml/models/zoo.h"

namespace oml {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class ZooCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("oml_test_zoo_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    source_ = (dir_ / "source.bin").string();
    std::ofstream(source_)
        << "The quick brown fox jumps over the lazy dog";  // md5 9e107d9d372bb6826bd81d3542a419d6
  }
  void TearDown() override { fs::remove_all(dir_); }

  ZooEntry entry(const std::string& url, const std::string& md5_prefix) const {
    return ZooEntry{"test_weights", "vits16",    false,         url,
                    md5_prefix,     "test.ckpt", "squash(224)", TransformSpec::squash(224)};
  }

  fs::path dir_;
  std::string source_;
};

TEST(Zoo, HasTheOmlNamesWithSpecValues) {
  ASSERT_EQ(zoo_entries().size(), 14u);  // 8 ViTs, resnet50_moco_v2 and 5 torchvision ResNets
  const ZooEntry* dino = find_zoo_entry("vits16_dino");
  ASSERT_NE(dino, nullptr);
  EXPECT_EQ(dino->url,
            "https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth");
  EXPECT_EQ(dino->md5_prefix, "cf0f22");
  EXPECT_EQ(dino->file_name, "vits16_dino.ckpt");
  EXPECT_FALSE(dino->normalise);
  EXPECT_EQ(find_zoo_entry("vits16_sop")->normalise, true);
  EXPECT_EQ(find_zoo_entry("vits16_sop")->transform_spec, TransformSpec::hypvit(224, 224));
  EXPECT_EQ(find_zoo_entry("vitb8_dino")->arch, "vitb8");
  const ZooEntry* moco = find_zoo_entry("resnet50_moco_v2");
  ASSERT_NE(moco, nullptr);
  EXPECT_EQ(moco->arch, "resnet50_projector");
  EXPECT_EQ(moco->gem_p, 5.0);
  EXPECT_EQ(moco->md5_prefix, "a04e12f8");
  EXPECT_EQ(moco->url,
            "https://dl.fbaipublicfiles.com/moco/moco_checkpoints/moco_v2_800ep/moco_v2_800ep_pretrain.pth.tar");
  const ZooEntry* r50 = find_zoo_entry("resnet50_imagenet1k_v1");
  ASSERT_NE(r50, nullptr);
  EXPECT_EQ(r50->url, "https://download.pytorch.org/models/resnet50-0676ba61.pth");
  EXPECT_TRUE(r50->sha256);
  EXPECT_TRUE(r50->remove_fc);
  EXPECT_FALSE(r50->gem_p.has_value());
  EXPECT_FALSE(find_zoo_entry("vits16_cars")->transform_spec.has_value());
  EXPECT_EQ(find_zoo_entry("weights.pth"), nullptr);
}

TEST(Zoo, CacheDirFollowsXdgCacheHome) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  const char* old_home = std::getenv("HOME");
  const std::string saved_home = old_home ? old_home : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
  EXPECT_EQ(zoo_cache_dir(), "/tmp/xdg/oml/torch/checkpoints");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(zoo_cache_dir(), "/home/someone/.cache/oml/torch/checkpoints");
  if (old) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
}

TEST_F(ZooCache, Md5OfAKnownFile) { EXPECT_EQ(md5_hex_of_file(source_), "9e107d9d372bb6826bd81d3542a419d6"); }

TEST_F(ZooCache, ReusesACachedFileWhoseMd5MatchesWithoutDownloading) {
  const auto cache = dir_ / "cache";
  fs::create_directories(cache);
  fs::copy_file(source_, cache / "test.ckpt");
  const auto e = entry("http://127.0.0.1:9/never-fetched", "9e107d");
  EXPECT_EQ(zoo_cache_status(e, cache.string()), ZooCacheStatus::kValid);
  EXPECT_EQ(ensure_zoo_checkpoint(e, cache.string()), (cache / "test.ckpt").string());
  EXPECT_EQ(zoo_cache_status(entry("x", "abcdef"), cache.string()), ZooCacheStatus::kChecksumMismatch);
  EXPECT_EQ(zoo_cache_status(entry("x", "abcdef"), (dir_ / "nowhere").string()), ZooCacheStatus::kMissing);
}

TEST_F(ZooCache, DownloadsChecksAndRenames) {
  const auto cache = dir_ / "cache";
  const auto path = ensure_zoo_checkpoint(entry("file://" + source_, "9e107d"), cache.string());
  EXPECT_EQ(path, (cache / "test.ckpt").string());
  EXPECT_EQ(md5_hex_of_file(path), "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(std::distance(fs::directory_iterator(cache), fs::directory_iterator()), 1);  // no temporary left
}

TEST_F(ZooCache, ChecksumMismatchDeletesTheDownload) {
  const auto cache = dir_ / "cache";
  try {
    ensure_zoo_checkpoint(entry("file://" + source_, "000000"), cache.string());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has md5 9e107d9d372bb6826bd81d3542a419d6, expected a prefix 000000"));
  }
  EXPECT_TRUE(fs::is_empty(cache));
}

TEST_F(ZooCache, OfflineErrorNamesTheUrlAndTheCachePath) {
  const auto cache = dir_ / "cache";
  try {
    ensure_zoo_checkpoint(entry("http://127.0.0.1:9/vits16.pth", "9e107d"), cache.string());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot download the 'test_weights' weights"));
    EXPECT_THAT(e.what(), HasSubstr("download http://127.0.0.1:9/vits16.pth yourself and save it as " +
                                    (cache / "test.ckpt").string()));
  }
  EXPECT_TRUE(fs::is_empty(cache));
}

TEST_F(ZooCache, ResNetZooFileIsCheckedBySha256) {
  const auto cache = dir_ / "cache";
  fs::create_directories(cache);
  ZooEntry entry = *find_zoo_entry("resnet18_imagenet1k_v1");
  fs::copy_file(source_, cache / entry.file_name);
  // sha256 of "The quick brown fox jumps over the lazy dog" starts with d7a8fbb3.
  EXPECT_EQ(zoo_cache_status(entry, cache.string()), ZooCacheStatus::kChecksumMismatch);
  entry.md5_prefix = "d7a8fbb3";
  EXPECT_EQ(zoo_cache_status(entry, cache.string()), ZooCacheStatus::kValid);
}

TEST_F(ZooCache, ZooNameFixesArchAndNormalise) {
  const auto cache = dir_ / "cache";
  try {
    resolve_extractor_source("vits16_sop", "vitb16", false, cache.string());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("--arch vitb16 does not match the zoo weights 'vits16_sop', which are vits16"));
  }
  const auto file = resolve_extractor_source("/some/file.pth", "", true, cache.string());
  EXPECT_EQ(file.spec.arch, "vits16");
  EXPECT_TRUE(file.spec.normalise);
  EXPECT_EQ(file.zoo_entry, nullptr);
}

}  // namespace
}  // namespace oml
