// The gallery log and snapshot on their own: replay, compaction, a torn last record, and a
// data directory made for another CSV.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "oml/common/errors.h"
#include "oml/serve/gallery_log.h"

namespace oml::serve {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Three CSV rows; rows 0 and 2 are gallery rows (row 1 is a train row).
Gallery csv_gallery() {
  Dataframe df;
  df.root = "/data";
  for (int64_t r = 0; r < 3; ++r) {
    DataframeRow row;
    row.row = r;
    row.label = r;
    row.path = std::to_string(r) + ".jpg";
    row.is_train = r == 1;
    row.is_gallery = r != 1;
    df.rows.push_back(row);
  }
  Matrix embeddings{3, 2, {0, 0, 1, 1, 2, 2}};
  return Gallery(df, embeddings);
}

GalleryItem item(int64_t row, float value) {
  GalleryItem i;
  i.row = row;
  i.label = 10 + row;
  i.path = "new.jpg";
  i.image_path = "/data/new.jpg";
  i.embedding = {value, 0.1f + value};
  return i;
}

class GalleryLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("oml_gallery_log_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(GalleryLogTest, ReplaysAdditionsAndRemovalsAcrossCompaction) {
  {
    Gallery gallery = csv_gallery();
    GalleryLog log(dir_, gallery);
    EXPECT_EQ(gallery.rows(), (std::vector<int64_t>{0, 2}));
    for (int64_t row = 3; row < 6; ++row) {
      log.record_add(item(row, 0.5f * static_cast<float>(row)));
      gallery.add(item(row, 0.5f * static_cast<float>(row)));
    }
    log.record_remove(0);
    gallery.remove(0);
    log.compact(gallery);
    log.record_remove(4);
    gallery.remove(4);
    log.record_add(item(6, 1.0f / 3.0f));
    gallery.add(item(6, 1.0f / 3.0f));
  }
  Gallery replayed = csv_gallery();
  GalleryLog log(dir_, replayed);
  EXPECT_EQ(replayed.rows(), (std::vector<int64_t>{2, 3, 5, 6}));
  EXPECT_EQ(replayed.labels(), (std::vector<int64_t>{2, 13, 15, 16}));
  EXPECT_EQ(replayed.next_row(), 7);
  // Floats come back bit for bit (1/3 has no short decimal form).
  const float third = 1.0f / 3.0f;
  EXPECT_EQ(replayed.embeddings().values,
            (std::vector<float>{2, 2, 1.5f, 0.1f + 1.5f, 2.5f, 0.1f + 2.5f, third, 0.1f + third}));
  EXPECT_EQ(replayed.dataframe().rows[6].image_path, "/data/new.jpg");
  EXPECT_EQ(log.generation(), 1);
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "log-0.jsonl"));
}

TEST_F(GalleryLogTest, DropsATornLastRecordAndKeepsAppending) {
  {
    Gallery gallery = csv_gallery();
    GalleryLog log(dir_, gallery);
    log.record_add(item(3, 1.0f));
  }
  // A crash in the middle of the next append leaves half a line.
  std::ofstream(fs::path(dir_) / "log-0.jsonl", std::ios::app) << R"({"op":"add","item":{"row":4,"lab)";
  {
    Gallery gallery = csv_gallery();
    GalleryLog log(dir_, gallery);
    EXPECT_EQ(gallery.rows(), (std::vector<int64_t>{0, 2, 3}));
    log.record_add(item(4, 2.0f));
  }
  Gallery gallery = csv_gallery();
  GalleryLog log(dir_, gallery);
  EXPECT_EQ(gallery.rows(), (std::vector<int64_t>{0, 2, 3, 4}));
}

TEST_F(GalleryLogTest, RefusesASnapshotOfAnotherCsvAndACorruptMiddleRecord) {
  {
    Gallery gallery = csv_gallery();
    GalleryLog log(dir_, gallery);
    log.compact(gallery);
  }
  Dataframe df;
  df.rows.resize(5);
  for (int64_t r = 0; r < 5; ++r) df.rows[static_cast<size_t>(r)].row = r;
  Gallery other(df, Matrix{5, 2, std::vector<float>(10, 0.0f)});
  try {
    GalleryLog log(dir_, other);
    FAIL() << "a snapshot of a 3-row CSV was accepted for a 5-row one";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("made for a CSV of 3 rows and embeddings of dimension 2, not 5 and 2"));
  }

  fs::remove_all(dir_);
  fs::create_directories(dir_);
  std::ofstream(fs::path(dir_) / "log-0.jsonl") << "{not json}\n"
                                                << R"({"op":"remove","row":0})"
                                                << "\n";
  Gallery gallery = csv_gallery();
  try {
    GalleryLog log(dir_, gallery);
    FAIL() << "a corrupt record before the last one was skipped";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("log-0.jsonl:1: corrupt gallery log record"));
  }
}

}  // namespace
}  // namespace oml::serve
