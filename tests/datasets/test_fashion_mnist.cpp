#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/datasets/fashion_mnist_dataset.h"
#include "oml/datasets/idx_file.h"

namespace oml::datasets {
namespace {

namespace fs = std::filesystem;

const std::string kSource = "/usr/share/datasets/fashion-mnist";

std::string fresh_directory(const std::string& name) {
  const fs::path directory = fs::path(OML_BINARY_DIR) / "test-datasets" / name;
  fs::remove_all(directory);
  fs::create_directories(directory.parent_path());
  return directory.string();
}

std::string expect_input_error(const std::vector<uint8_t>& bytes) {
  try {
    parse_idx(bytes, "x.idx");
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

TEST(IdxFile, ParsesABigEndianHeader) {
  // 2 x 3 unsigned bytes.
  const IdxArray array = parse_idx({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}, "x.idx");
  EXPECT_EQ(array.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(array.values, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(IdxFile, NamesTheProblemWithABadFile) {
  EXPECT_EQ(expect_input_error({0, 0}), "x.idx: not an IDX file: 2 bytes, shorter than the header");
  EXPECT_EQ(expect_input_error({0x1f, 0x8b, 8, 1}),
            "x.idx: not an IDX file: magic starts with 0x1f 0x8b, expected 0x00 0x00");
  EXPECT_EQ(expect_input_error({0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}),
            "x.idx: IDX element type 0x0d is not supported (expected 0x08, unsigned byte)");
  EXPECT_EQ(expect_input_error({0, 0, 8, 0}), "x.idx: IDX header declares 0 dimensions (expected 1..8)");
  EXPECT_EQ(expect_input_error({0, 0, 8, 3, 0, 0, 0, 1}),
            "x.idx: truncated IDX header: 8 bytes, need 16 for 3 dimensions");
  EXPECT_EQ(expect_input_error({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 7, 7, 7}),
            "x.idx: IDX header says 2x2 = 4 values but the file has 3 (truncated)");
  EXPECT_EQ(expect_input_error({0, 0, 8, 1, 0, 0, 0, 1, 7, 7}),
            "x.idx: IDX header says 1 = 1 values but the file has 2 (trailing bytes)");
}

TEST(IdxFile, ReadsGzippedAndPlainFiles) {
  const std::string directory = fresh_directory("idx_files");
  fs::create_directories(directory);
  const std::vector<uint8_t> bytes = {0, 0, 8, 1, 0, 0, 0, 3, 9, 8, 7};
  {
    std::ofstream plain(directory + "/plain.idx", std::ios::binary);
    plain.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  gzFile gz = gzopen((directory + "/packed.idx.gz").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
  EXPECT_EQ(read_idx_file(directory + "/plain.idx").values, (std::vector<uint8_t>{9, 8, 7}));
  EXPECT_EQ(read_idx_file(directory + "/packed.idx.gz").values, (std::vector<uint8_t>{9, 8, 7}));
  EXPECT_THROW(read_idx_file(directory + "/missing.idx"), InputError);
}

TEST(IdxFile, DimensionsWhoseProductWrapsAreRefused) {
  // Found by fuzz_idx: five dimensions whose product wraps to 0 in 64 bits, no data at all.
  const std::string path = std::string(OML_SOURCE_DIR) + "/tests/fixtures/fuzz/idx_crash_23fd4137.idx";
  try {
    read_idx_file(path);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), path + ": IDX dimensions are implausibly large");
  }
  EXPECT_EQ(expect_input_error({0, 0, 8, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}),
            "x.idx: IDX dimensions are implausibly large");
}

TEST(IdxFile, GzipBombStopsAtTheSizeTheHeaderDeclares) {
  // Header: 3 values; then 64 MB of zeros that deflate to about 64 KB. Reading stops one byte past
  // the declared data instead of inflating everything.
  const std::string directory = fresh_directory("idx_bomb");
  fs::create_directories(directory);
  const std::string path = directory + "/bomb.idx.gz";
  gzFile gz = gzopen(path.c_str(), "wb9");
  ASSERT_NE(gz, nullptr);
  const std::vector<uint8_t> header = {0, 0, 8, 1, 0, 0, 0, 3};
  gzwrite(gz, header.data(), static_cast<unsigned>(header.size()));
  const std::vector<uint8_t> zeros(1 << 20, 0);
  for (int i = 0; i < 64; ++i) gzwrite(gz, zeros.data(), static_cast<unsigned>(zeros.size()));
  gzclose(gz);
  EXPECT_LT(fs::file_size(path), 1u << 20);
  try {
    read_idx_file(path);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              path + ": IDX header says 3 = 3 values but the file has more (trailing bytes)");
  }
  // Truncated data keeps its exact count.
  const std::string short_path = directory + "/short.idx";
  {
    const std::vector<uint8_t> bytes = {0, 0, 8, 1, 0, 0, 0, 10, 1, 2, 3};
    std::ofstream(short_path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  try {
    read_idx_file(short_path);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              short_path + ": IDX header says 10 = 10 values but the file has 3 (truncated)");
  }
}

TEST(IdxFile, ReadsDebiansFashionMnistTestSet) {
  const IdxArray images = read_idx_file(kSource + "/t10k-images-idx3-ubyte.gz");
  const IdxArray labels = read_idx_file(kSource + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(images.dims, (std::vector<int64_t>{10000, 28, 28}));
  EXPECT_EQ(labels.dims, (std::vector<int64_t>{10000}));
  // The first test images are an ankle boot, a pullover and a trouser (Fashion-MNIST's README).
  EXPECT_EQ(std::vector<uint8_t>(labels.values.begin(), labels.values.begin() + 3),
            (std::vector<uint8_t>{9, 2, 1}));
  std::map<int, int> per_class;
  for (uint8_t label : labels.values) ++per_class[label];
  for (int label = 0; label < 10; ++label) EXPECT_EQ(per_class[label], 1000) << label;
}

TEST(FashionMnistDataset, SmallConversionHasBalancedSplitsAndTheOriginalPixels) {
  FashionMnistOptions options;
  options.out_dir = fresh_directory("fashion_small");
  options.limit_per_class = 4;
  const DatasetSummary summary = build_fashion_mnist_dataset(options);
  EXPECT_EQ(summary.classes, 10);
  EXPECT_EQ(summary.train_images, 40);
  EXPECT_EQ(summary.validation_images, 40);
  EXPECT_EQ(summary.queries, 20);
  EXPECT_EQ(summary.galleries, 20);

  const Dataframe df = read_dataframe(options.out_dir + "/df.csv");
  require_image_files(df);
  require_validation_split(df);
  ASSERT_TRUE(df.has_category);
  ASSERT_EQ(df.rows.size(), 80u);
  std::map<int64_t, int> queries_per_class;
  for (const DataframeRow& row : df.rows) {
    if (!row.is_train) {
      EXPECT_NE(row.is_query, row.is_gallery) << row.path;
      queries_per_class[row.label] += row.is_query ? 1 : 0;
    }
    EXPECT_EQ(*row.category, fashion_mnist_category(static_cast<int>(row.label))) << row.path;
  }
  for (int label = 0; label < 10; ++label) EXPECT_EQ(queries_per_class[label], 2) << label;

  // The first validation row is test image 0 (an ankle boot), written unchanged.
  const DataframeRow* first_test = nullptr;
  for (const DataframeRow& row : df.rows) {
    if (!row.is_train) {
      first_test = &row;
      break;
    }
  }
  ASSERT_NE(first_test, nullptr);
  EXPECT_EQ(first_test->path, "test/9/00000.png");
  EXPECT_EQ(first_test->label, 9);
  EXPECT_TRUE(first_test->is_query);
  EXPECT_EQ(*first_test->category, "footwear");
  const cv::Mat png = cv::imread(first_test->image_path, cv::IMREAD_UNCHANGED);
  ASSERT_EQ(png.type(), CV_8UC1);
  ASSERT_EQ(png.rows, 28);
  ASSERT_EQ(png.cols, 28);
  const IdxArray images = read_idx_file(kSource + "/t10k-images-idx3-ubyte.gz");
  EXPECT_TRUE(std::equal(images.values.begin(), images.values.begin() + 28 * 28, png.data));
}

TEST(FashionMnistDataset, MissingSourceSaysWhatToInstall) {
  FashionMnistOptions options;
  options.out_dir = fresh_directory("fashion_missing");
  options.source_dir = "/nonexistent";
  try {
    build_fashion_mnist_dataset(options);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("apt-get install dataset-fashion-mnist"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(options.out_dir + "/df.csv"));
}

TEST(FashionMnistDataset, ClassNames) {
  EXPECT_STREQ(fashion_mnist_class_name(0), "T-shirt/top");
  EXPECT_STREQ(fashion_mnist_class_name(9), "Ankle boot");
  EXPECT_STREQ(fashion_mnist_category(8), "bags");
}

}  // namespace
}  // namespace oml::datasets
