// Builds real emoji datasets from the pinned npm packages. The first run downloads them (about
// 140 MB) into the user cache; later runs read the cache only. Offline without a cache, the tests
// fail with the message that says which URL to fetch and where to put it.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <set>

#include "dataset_test_support.h"
#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/datasets/emoji_catalogue.h"
#include "oml/datasets/emoji_dataset.h"

namespace oml::datasets {
namespace {

namespace fs = std::filesystem;

EmojiOptions small_options(const std::string& out_dir) {
  EmojiOptions options;
  options.out_dir = out_dir;
  options.classes = 20;
  options.size = 32;
  options.seed = 5;
  return options;
}

std::string vendor_of(const std::string& path) { return fs::path(path).stem().string(); }

TEST(EmojiDataset, EveryClassIsOneEmojiDrawnByDistinctVendors) {
  const std::string out = fresh_directory("emoji_small");
  const DatasetSummary summary = build_emoji_dataset(small_options(out));

  const Dataframe df = read_dataframe(out + "/df.csv");
  require_image_files(df);
  require_validation_split(df);
  require_train_split(df);
  require_query_categories(df);
  ASSERT_EQ(summary.classes, 20);
  EXPECT_EQ(static_cast<int64_t>(df.rows.size()), summary.images);
  EXPECT_EQ(summary.train_classes, 10);
  EXPECT_EQ(summary.validation_classes, 10);

  std::map<int64_t, std::set<std::string>> vendors_of_label;
  std::map<int64_t, std::string> directory_of_label;
  std::set<std::string> categories;
  for (const DataframeRow& row : df.rows) {
    const std::string vendor = vendor_of(row.path);
    EXPECT_TRUE(vendor == "google" || vendor == "twitter" || vendor == "openmoji") << row.path;
    EXPECT_TRUE(vendors_of_label[row.label].insert(vendor).second)
        << "two " << vendor << " images: " << row.path;
    const std::string directory = fs::path(row.path).parent_path().string();
    EXPECT_EQ(directory_of_label.emplace(row.label, directory).first->second, directory) << row.path;
    if (!row.is_train) {
      EXPECT_TRUE(row.is_query && row.is_gallery) << row.path;  // 1 vs rest
    }
    categories.insert(row.category.value_or(""));
  }
  for (const auto& [label, vendors] : vendors_of_label) EXPECT_GE(vendors.size(), 2u) << "label " << label;
  // The subset is spread over the CLDR order, not just the first smileys.
  EXPECT_GE(categories.size(), 5u);
}

TEST(EmojiDataset, ImagesAreRgbAtTheRequestedSize) {
  const std::string out = fresh_directory("emoji_images");
  EmojiOptions options = small_options(out);
  options.classes = 6;
  build_emoji_dataset(options);
  const Dataframe df = read_dataframe(out + "/df.csv");
  ASSERT_GE(df.rows.size(), 12u);
  for (const DataframeRow& row : df.rows) {
    cv::Mat image;
    ASSERT_NO_FATAL_FAILURE(read_square_image(row.image_path, CV_8UC3, 32, &image));
    EXPECT_LT(value_range(image).first, 200) << row.image_path << " is blank";
  }
}

TEST(EmojiDataset, SameOptionsGiveIdenticalBytes) {
  const std::string first = fresh_directory("emoji_determinism_a");
  const std::string second = fresh_directory("emoji_determinism_b");
  build_emoji_dataset(small_options(first));
  build_emoji_dataset(small_options(second));
  EXPECT_GE(expect_same_files(first, second), 20 * 2 + 3);  // images + df.csv + emoji.csv + vendors.csv
}

TEST(EmojiDataset, UnknownVendorIsAClearErrorBeforeAnythingIsWritten) {
  EmojiOptions options = small_options(fresh_directory("emoji_bad_vendor"));
  options.vendors = "google,microsoft";
  try {
    build_emoji_dataset(options);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("--vendors: unknown vendor 'microsoft'"), std::string::npos) << message;
    EXPECT_NE(message.find("google, twitter, openmoji"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(options.out_dir));
}

TEST(EmojiDataset, RejectsBadOptions) {
  EmojiOptions options = small_options(fresh_directory("emoji_bad"));
  options.min_vendors = 1;
  EXPECT_THROW(build_emoji_dataset(options), InputError);
  options = small_options(fresh_directory("emoji_bad"));
  options.vendors = "google,twitter";
  options.min_vendors = 3;  // more than the vendors chosen
  EXPECT_THROW(build_emoji_dataset(options), InputError);
  options = small_options(fresh_directory("emoji_bad"));
  options.vendors = "google,google";
  EXPECT_THROW(build_emoji_dataset(options), InputError);
  options = small_options(fresh_directory("emoji_bad"));
  options.size = 4;
  EXPECT_THROW(build_emoji_dataset(options), InputError);
  options = small_options(fresh_directory("emoji_bad"));
  options.val_fraction = -0.1;
  EXPECT_THROW(build_emoji_dataset(options), InputError);
  EXPECT_FALSE(fs::exists(options.out_dir));
}

TEST(EmojiDataset, OfflineErrorNamesTheUrlAndWhereToPutTheFile) {
  EmojiOptions options = small_options(fresh_directory("emoji_offline"));
  options.cache_dir = fresh_directory("emoji_offline_cache");
  options.registry = "http://127.0.0.1:9";  // the discard port: nothing listens there
  try {
    build_emoji_dataset(options);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("http://127.0.0.1:9/emoji-datasource-google/-/emoji-datasource-google-16.0.0.tgz"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("save it as " + options.cache_dir + "/npm/emoji-datasource-google-16.0.0.tgz"),
              std::string::npos)
        << message;
  }
  EXPECT_FALSE(fs::exists(options.cache_dir + "/npm/emoji-datasource-google-16.0.0.tgz"));
}

TEST(EmojiIdentity, IgnoresTheVariationSelectorAndCase) {
  EXPECT_EQ(emoji_identity("00A9-FE0F"), "00A9");
  EXPECT_EQ(emoji_identity("00a9"), "00A9");
  EXPECT_EQ(emoji_identity("1F3F3-FE0F-200D-1F308"), "1F3F3-200D-1F308");
  EXPECT_EQ(emoji_identity("0023-FE0F-20E3"), "0023-20E3");
  EXPECT_TRUE(has_skin_tone_modifier("1F44D-1F3FD"));
  EXPECT_TRUE(has_skin_tone_modifier("1F3FB"));
  EXPECT_FALSE(has_skin_tone_modifier("1F44D"));
}

}  // namespace
}  // namespace oml::datasets
