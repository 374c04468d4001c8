// CSVs that must be accepted, and the values read from them (spec §1.1, §1.2, §1.4).
#include <gtest/gtest.h>

#include "data/dataframe_test_util.h"

namespace {

using oml_test::csv_fixture;

std::string fixture_dir() { return std::string(OML_SOURCE_DIR) + "/tests/data/csv"; }

TEST(DataframeRead, BasicFileWithCategories) {
  const std::string csv = csv_fixture("ok_basic.csv");
  const oml::Dataframe df = oml::read_dataframe(csv);
  EXPECT_EQ(df.csv_path, csv);
  EXPECT_EQ(df.root, fixture_dir());
  EXPECT_TRUE(df.has_category);
  EXPECT_FALSE(df.has_bbox);
  EXPECT_FALSE(df.has_sequence);
  EXPECT_TRUE(df.warnings.empty());
  ASSERT_EQ(df.rows.size(), 8u);
  const oml::DataframeRow& first = df.rows[0];
  EXPECT_EQ(first.row, 0);
  EXPECT_EQ(first.line, 2);
  EXPECT_EQ(first.label, 0);
  EXPECT_EQ(first.path, "images/a0.jpg");
  EXPECT_EQ(first.image_path, fixture_dir() + "/images/a0.jpg");
  EXPECT_TRUE(first.is_train);
  EXPECT_FALSE(first.is_query);
  EXPECT_FALSE(first.is_gallery);
  EXPECT_EQ(first.category, "shoes");
  const oml::DataframeRow& both = df.rows[4];
  EXPECT_EQ(both.line, 6);
  EXPECT_EQ(both.label, 2);
  EXPECT_FALSE(both.is_train);
  EXPECT_TRUE(both.is_query);
  EXPECT_TRUE(both.is_gallery);
  EXPECT_TRUE(df.rows[6].is_query);
  EXPECT_FALSE(df.rows[6].is_gallery);
  EXPECT_FALSE(df.rows[7].is_query);
  EXPECT_TRUE(df.rows[7].is_gallery);
  EXPECT_EQ(df.rows[7].category, "bags");
  EXPECT_EQ(df.where(7), csv + ":9");
}

TEST(DataframeRead, QuotedFieldsWithCommasNewlinesAndQuotes) {
  const oml::Dataframe df = oml::read_dataframe(csv_fixture("ok_quoted.csv"), "/data");
  ASSERT_EQ(df.rows.size(), 4u);
  EXPECT_EQ(df.rows[0].path, "dir, with comma/a.jpg");
  EXPECT_EQ(df.rows[0].image_path, "/data/dir, with comma/a.jpg");
  EXPECT_EQ(df.rows[1].path, "line\nbreak.jpg");
  EXPECT_EQ(df.rows[2].path, "say \"hi\".jpg");
  // A record's line is where it starts; the quoted newline pushes later records down.
  EXPECT_EQ(df.rows[0].line, 2);
  EXPECT_EQ(df.rows[1].line, 3);
  EXPECT_EQ(df.rows[2].line, 5);
  EXPECT_EQ(df.rows[3].line, 6);
}

TEST(DataframeRead, ColumnsInAnyOrderUnknownColumnsIgnored) {
  const oml::Dataframe df = oml::read_dataframe(csv_fixture("ok_any_order.csv"));
  ASSERT_EQ(df.rows.size(), 3u);
  EXPECT_EQ(df.ignored_columns, (std::vector<std::string>{"", "note"}));
  EXPECT_EQ(df.rows[0].label, 7);
  EXPECT_EQ(df.rows[0].path, "a.jpg");
  EXPECT_TRUE(df.rows[0].is_query);
  EXPECT_TRUE(df.rows[0].is_gallery);
  EXPECT_FALSE(df.rows[1].is_query);
  EXPECT_TRUE(df.rows[1].is_gallery);
  EXPECT_EQ(df.rows[2].label, -3);
  EXPECT_TRUE(df.rows[2].is_train);
  EXPECT_FALSE(df.has_category);
}

TEST(DataframeRead, Utf8PathsKeepTheirBytes) {
  const oml::Dataframe df = oml::read_dataframe(csv_fixture("ok_utf8.csv"), "root");
  ASSERT_EQ(df.rows.size(), 2u);
  EXPECT_EQ(df.rows[0].path,
            "donn\xC3\xA9"
            "es/\xC3\xA9t\xC3\xA9.jpg");
  EXPECT_EQ(df.rows[1].image_path, "root/\xE7\x94\xBB\xE5\x83\x8F/\xE7\x8C\xAB.png");
}

TEST(DataframeRead, MixedBooleanSpellings) {
  const oml::Dataframe df = oml::read_dataframe(csv_fixture("ok_booleans.csv"));
  ASSERT_EQ(df.rows.size(), 6u);
  const bool expected[6][2] = {{true, false}, {false, true}, {true, false},
                               {false, true}, {false, true}, {true, false}};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(df.rows[i].is_query, expected[i][0]) << "row " << i;
    EXPECT_EQ(df.rows[i].is_gallery, expected[i][1]) << "row " << i;
  }
}

TEST(DataframeRead, BoundingBoxesAndSequences) {
  const oml::Dataframe df = oml::read_dataframe(csv_fixture("ok_bbox.csv"));
  EXPECT_TRUE(df.has_bbox);
  EXPECT_TRUE(df.has_sequence);
  ASSERT_EQ(df.rows.size(), 4u);
  ASSERT_TRUE(df.rows[0].bbox.has_value());
  // Columns are x_1,x_2,y_1,y_2; the box is left, top, right, bottom.
  EXPECT_EQ(df.rows[0].bbox->x1, 5);
  EXPECT_EQ(df.rows[0].bbox->x2, 15);
  EXPECT_EQ(df.rows[0].bbox->y1, 0);
  EXPECT_EQ(df.rows[0].bbox->y2, 7);
  EXPECT_FALSE(df.rows[1].bbox.has_value());
  EXPECT_FALSE(df.rows[1].sequence.has_value());
  ASSERT_TRUE(df.rows[2].bbox.has_value());
  EXPECT_EQ(df.rows[2].bbox->x1, 0);
  EXPECT_EQ(df.rows[2].bbox->y2, 30);  // "3e1"
  EXPECT_EQ(df.rows[3].bbox->x1, 1);   // "+1"
  EXPECT_EQ(df.rows[0].sequence, "s1");
  EXPECT_EQ(df.rows[3].sequence, "s2");
}

TEST(DataframeRead, BlankAndWhitespaceLinesAreSkippedAndTrailingLinesIgnored) {
  const oml::Dataframe df = oml::read_dataframe(csv_fixture("ok_blank_lines.csv"));
  ASSERT_EQ(df.rows.size(), 2u);
  EXPECT_EQ(df.rows[0].line, 2);
  EXPECT_EQ(df.rows[1].line, 5);
  EXPECT_EQ(df.rows[1].row, 1);
}

TEST(DataframeRead, HeaderOnlyGivesNoRows) {
  const oml::Dataframe df = oml::read_dataframe(csv_fixture("ok_header_only.csv"));
  EXPECT_TRUE(df.rows.empty());
}

TEST(DataframeRead, CrlfBomAndNoFinalNewline) {
  const auto dir = oml_test::fresh_dir("crlf");
  const std::string csv = oml_test::write_text(dir / "df.csv",
                                               "\xEF\xBB\xBFlabel,path,split,is_query,is_gallery\r\n"
                                               "4,a.jpg,validation,True,True\r\n"
                                               "\r\n"
                                               "4,\"two\r\nlines.jpg\",validation,False,True");
  const oml::Dataframe df = oml::read_dataframe(csv);
  ASSERT_EQ(df.rows.size(), 2u);
  EXPECT_EQ(df.rows[0].label, 4);
  EXPECT_TRUE(df.rows[0].is_gallery);
  EXPECT_EQ(df.rows[1].line, 4);
  EXPECT_EQ(df.rows[1].path, "two\r\nlines.jpg");
  EXPECT_FALSE(df.rows[1].is_query);
  EXPECT_TRUE(df.rows[1].is_gallery);
  EXPECT_EQ(df.rows[1].image_path, dir.string() + "/two\r\nlines.jpg");
}

TEST(DataframeRead, AbsolutePathsOverrideTheRootAndPathsNormaliseAsPathlib) {
  const auto dir = oml_test::fresh_dir("paths");
  const std::string csv = oml_test::write_text(dir / "df.csv",
                                               "label,path,split,is_query,is_gallery\n"
                                               "1,/abs/x.jpg,validation,True,True\n"
                                               "1,./y.jpg,validation,True,True\n"
                                               "1,a//b/./c.jpg,validation,True,True\n"
                                               "1,../up.jpg,validation,True,True\n");
  const oml::Dataframe df = oml::read_dataframe(csv, "/data/");
  EXPECT_EQ(df.root, "/data/");
  ASSERT_EQ(df.rows.size(), 4u);
  EXPECT_EQ(df.rows[0].image_path, "/abs/x.jpg");
  EXPECT_EQ(df.rows[1].image_path, "/data/y.jpg");
  EXPECT_EQ(df.rows[2].image_path, "/data/a/b/c.jpg");
  EXPECT_EQ(df.rows[3].image_path, "/data/../up.jpg");  // pathlib keeps ".."
  const oml::Dataframe relative = oml::read_dataframe(csv, "rel");
  EXPECT_EQ(relative.rows[1].image_path, "rel/y.jpg");
  EXPECT_EQ(relative.rows[0].image_path, "/abs/x.jpg");
}

TEST(DataframeRead, CsvInWorkingDirectoryHasRootDot) {
  const auto dir = oml_test::fresh_dir("cwd");
  oml_test::write_text(dir / "df.csv", "label,path,split,is_query,is_gallery\n1,a.jpg,train,,\n");
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  const oml::Dataframe df = oml::read_dataframe("df.csv");
  std::filesystem::current_path(previous);
  EXPECT_EQ(df.root, ".");
  EXPECT_EQ(df.rows[0].image_path, "a.jpg");  // str(Path(".") / "a.jpg")
}

}  // namespace
