// Checks some commands add on top of read_dataframe: rules 7, 10, 12 and embeddings (§1.5).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "data/dataframe_test_util.h"
#include "oml/io/npy.h"

namespace {

using oml_test::csv_fixture;

template <typename Check>
std::string error_of(Check check) {
  try {
    check();
  } catch (const oml::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return {};
}

TEST(DataframeRequirements, Rule7ImageFilesMustExist) {
  const auto dir = oml_test::fresh_dir("files");
  std::filesystem::create_directories(dir / "images" / "folder.jpg");
  oml_test::write_text(dir / "images" / "present.jpg", "x");
  const std::string csv = oml_test::write_text(dir / "df.csv",
                                               "label,path,split,is_query,is_gallery\n"
                                               "1,images/present.jpg,train,,\n"
                                               "1,images/absent.jpg,train,,\n"
                                               "1,images/folder.jpg,validation,True,True\n");
  const oml::Dataframe df = oml::read_dataframe(csv);
  EXPECT_EQ(oml::rows_with_missing_image(df), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(error_of([&] { oml::require_image_files(df); }),
            csv + ":3: column 'path': file not found: " + dir.string() + "/images/absent.jpg\n" + csv +
                ":4: column 'path': not a regular file: " + dir.string() + "/images/folder.jpg");
}

TEST(DataframeRequirements, Rule10ValidationSplitNeedsQueriesAndGalleries) {
  const auto dir = oml_test::fresh_dir("split");
  const std::string train_only =
      oml_test::write_text(dir / "train.csv", "label,path,split,is_query,is_gallery\n1,a.jpg,train,,\n");
  const oml::Dataframe train = oml::read_dataframe(train_only);
  EXPECT_NO_THROW(oml::require_train_split(train));
  EXPECT_EQ(error_of([&] { oml::require_validation_split(train); }),
            train_only + ":1: no validation rows (split 'validation')");

  const std::string galleries = oml_test::write_text(
      dir / "galleries.csv", "label,path,split,is_query,is_gallery\n1,a.jpg,validation,False,True\n");
  const oml::Dataframe gallery_only = oml::read_dataframe(galleries);
  EXPECT_EQ(error_of([&] { oml::require_validation_split(gallery_only); }),
            galleries + ":1: no query rows in the validation split");
  EXPECT_EQ(error_of([&] { oml::require_train_split(gallery_only); }),
            galleries + ":1: no train rows (split 'train')");

  const oml::Dataframe basic = oml::read_dataframe(csv_fixture("ok_basic.csv"));
  EXPECT_NO_THROW(oml::require_validation_split(basic));
  EXPECT_NO_THROW(oml::require_train_split(basic));
}

TEST(DataframeRequirements, Rule12QueriesNeedACategory) {
  const std::string csv = csv_fixture("rule12_query_categories.csv");
  const oml::Dataframe df = oml::read_dataframe(csv);
  EXPECT_EQ(error_of([&] { oml::require_query_categories(df); }),
            csv + ":3: column 'category': empty on a query row");
  const std::string without = csv_fixture("ok_booleans.csv");
  EXPECT_EQ(error_of([&] { oml::require_query_categories(oml::read_dataframe(without)); }),
            without + ":1: --categories needs a 'category' column");
  EXPECT_NO_THROW(oml::require_query_categories(oml::read_dataframe(csv_fixture("ok_basic.csv"))));
}

TEST(DataframeRequirements, EmbeddingsHaveOneFiniteRowPerCsvRow) {
  const std::string csv = csv_fixture("ok_blank_lines.csv");  // rows on lines 2 and 5
  const oml::Dataframe df = oml::read_dataframe(csv);
  oml::Matrix embeddings;
  embeddings.rows = 3;
  embeddings.cols = 2;
  embeddings.values.assign(6, 0.5f);
  EXPECT_EQ(error_of([&] { oml::require_embeddings_match(df, embeddings, "E.npy"); }),
            "E.npy: has 3 rows but " + csv + " has 2 data rows");
  embeddings.rows = 2;
  embeddings.values.assign(4, 0.5f);
  EXPECT_NO_THROW(oml::require_embeddings_match(df, embeddings, "E.npy"));
  embeddings.values[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(error_of([&] { oml::require_embeddings_match(df, embeddings, "E.npy"); }),
            "E.npy: row 1 (" + csv + ":5) contains NaN");
  embeddings.values[0] = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(error_of([&] { oml::require_embeddings_match(df, embeddings, "E.npy"); }),
            "E.npy: row 0 (" + csv + ":2) contains inf\nE.npy: row 1 (" + csv + ":5) contains NaN");
}

}  // namespace
