// One failing CSV per rule of spec §1.3: the whole message is checked (file, line, column, text).
#include <gtest/gtest.h>

#include <random>

#include "data/dataframe_test_util.h"

namespace {

using oml_test::csv_fixture;
using oml_test::read_error;

TEST(DataframeRules, Rule1MissingRequiredColumn) {
  const std::string csv = csv_fixture("rule1_missing_column.csv");
  EXPECT_EQ(read_error(csv), csv + ":1: missing required column 'is_gallery'");
}

TEST(DataframeRules, Rule2SplitMustBeTrainOrValidationUntrimmed) {
  const std::string csv = csv_fixture("rule2_split.csv");
  EXPECT_EQ(read_error(csv), csv + ":3: column 'split': expected 'train' or 'validation' (got 'val')\n" +
                                 csv +
                                 ":4: column 'split': expected 'train' or 'validation' (got ' train')\n" +
                                 csv + ":5: column 'split': expected 'train' or 'validation' (got '')");
}

TEST(DataframeRules, Rule3TrainRowsHaveEmptyFlags) {
  const std::string csv = csv_fixture("rule3_train_flags.csv");
  EXPECT_EQ(read_error(csv), csv + ":2: column 'is_query': must be empty on a train row (got 'True')\n" +
                                 csv + ":3: column 'is_gallery': must be empty on a train row (got '0')");
}

TEST(DataframeRules, Rule4ValidationFlagsAreBooleansAndOneIsTrue) {
  const std::string csv = csv_fixture("rule4_validation_flags.csv");
  const std::string boolean = "expected a boolean on a validation row (True/False, 1/0)";
  EXPECT_EQ(read_error(csv), csv + ":3: column 'is_query': " + boolean + " (got 'yes')\n" + csv +
                                 ":4: column 'is_gallery': " + boolean + " (got '')\n" + csv +
                                 ":5: columns 'is_query','is_gallery': a validation row must be a query, a "
                                 "gallery item or both\n" +
                                 csv + ":6: column 'is_query': " + boolean + " (got ' True')");
}

TEST(DataframeRules, Rule5LabelIsAnInt64OnEveryRow) {
  const std::string csv = csv_fixture("rule5_label.csv");
  const std::string p = csv + ":";
  EXPECT_EQ(read_error(csv), p + "2: column 'label': expected an integer (got '3.5')\n" + p +
                                 "3: column 'label': expected an integer (got '3.0')\n" + p +
                                 "4: column 'label': expected an integer (got '')\n" + p +
                                 "5: column 'label': expected an integer (got '9223372036854775808')\n" + p +
                                 "6: column 'label': expected an integer (got ' 3')\n" + p +
                                 "7: column 'label': expected an integer (got '+-3')");
}

TEST(DataframeRules, Rule6QueryLabelNeedsAGalleryRowFirstRowThenCount) {
  const std::string csv = csv_fixture("rule6_query_label.csv");
  EXPECT_EQ(read_error(csv), csv +
                                 ":3: column 'label': query label 7 has no gallery row with the same label "
                                 "(and 2 more query rows like this)");
}

TEST(DataframeRules, Rule6SingleOffenderHasTheSpecMessage) {
  const auto dir = oml_test::fresh_dir("rule6_single");
  const std::string csv = oml_test::write_text(dir / "df.csv",
                                               "label,path,split,is_query,is_gallery\n"
                                               "1,a.jpg,validation,True,True\n"
                                               "7,b.jpg,validation,True,False\n");
  EXPECT_EQ(read_error(csv),
            csv + ":3: column 'label': query label 7 has no gallery row with the same label");
}

TEST(DataframeRules, Rule8BboxColumnsComeTogether) {
  const std::string csv = csv_fixture("rule8_bbox_columns.csv");
  EXPECT_EQ(read_error(csv), csv + ":1: bbox columns must come together; missing 'y_2'");
}

TEST(DataframeRules, Rule9BboxValues) {
  const std::string csv = csv_fixture("rule9_bbox_values.csv");
  const std::string p = csv + ":";
  EXPECT_EQ(read_error(csv), p + "2: column 'x_2': x_1 (10) must be less than x_2 (10)\n" + p +
                                 "3: column 'y_1': empty while the other bbox columns of this row are set\n" +
                                 p + "4: column 'x_1': expected an integral number of pixels (got '1.5')\n" +
                                 p + "5: column 'x_1': must be >= 0 (got '-1')\n" + p +
                                 "6: column 'y_2': y_1 (9) must be less than y_2 (4)\n" + p +
                                 "7: column 'x_1': expected an integral number of pixels (got 'a')\n" + p +
                                 "8: column 'x_1': expected an integral number of pixels (got '+-1')\n" + p +
                                 "9: column 'x_1': expected an integral number of pixels (got 'inf')");
}

TEST(DataframeRules, Rule10PathMustNotBeEmpty) {
  const std::string csv = csv_fixture("rule10_empty_path.csv");
  EXPECT_EQ(read_error(csv), csv + ":2: column 'path': empty; every row needs an image path");
}

TEST(DataframeRules, Rule11SeveralCategoriesPerLabelIsOnlyAWarningOncePerLabel) {
  const std::string csv = csv_fixture("rule11_label_categories.csv");
  const oml::Dataframe df = oml::read_dataframe(csv);
  ASSERT_EQ(df.warnings.size(), 1u);
  EXPECT_EQ(df.warnings[0], "warning: " + csv + ":5: label 7 has category 'bags' here but 'shoes' on line 2");
  EXPECT_EQ(df.rows.size(), 6u);
  EXPECT_FALSE(df.rows[5].category.has_value());
}

TEST(DataframeRules, DuplicateHeaderIsAnError) {
  const std::string csv = csv_fixture("duplicate_header.csv");
  EXPECT_EQ(read_error(csv), csv + ":1: duplicate column 'label'");
}

TEST(DataframeRules, WrongFieldCountNamesTheLine) {
  const std::string csv = csv_fixture("field_count.csv");
  EXPECT_EQ(read_error(csv), csv + ":3: expected 5 fields as in the header, got 6\n" + csv +
                                 ":4: expected 5 fields as in the header, got 3");
}

TEST(DataframeRules, MalformedQuotingNamesTheLine) {
  const std::string csv = csv_fixture("bad_quoting.csv");
  EXPECT_EQ(read_error(csv).rfind(csv + ":3: malformed CSV quoting: a '\"' inside an unquoted field", 0), 0u);
  const std::string unclosed = csv_fixture("unclosed_quote.csv");
  EXPECT_EQ(read_error(unclosed), unclosed + ":3: malformed CSV quoting: a quoted field is never closed");
}

TEST(DataframeRules, ProblemsAreCappedAtTwentyInFileOrder) {
  const auto dir = oml_test::fresh_dir("cap");
  std::string content = "label,path,split,is_query,is_gallery\n";
  for (int i = 0; i < 25; ++i) content += std::to_string(i) + ",a.jpg,test,,\n";
  const std::string csv = oml_test::write_text(dir / "df.csv", content);
  const std::string message = read_error(csv);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= message.size()) {
    const size_t end =
        message.find('\n', start) == std::string::npos ? message.size() : message.find('\n', start);
    lines.push_back(message.substr(start, end - start));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 21u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(lines[i], csv + ":" + std::to_string(i + 2) +
                            ": column 'split': expected 'train' or 'validation' (got 'test')");
  }
  EXPECT_EQ(lines[20], "\u2026 and 5 more");
}

TEST(DataframeRules, Rule6IsSkippedWhenFlagsAreUnreadable) {
  // The gallery row of label 7 has a broken flag: reporting "no gallery row" would mislead.
  const auto dir = oml_test::fresh_dir("rule6_skip");
  const std::string csv = oml_test::write_text(dir / "df.csv",
                                               "label,path,split,is_query,is_gallery\n"
                                               "7,a.jpg,validation,True,False\n"
                                               "7,b.jpg,validation,False,ja\n");
  EXPECT_EQ(read_error(csv), csv +
                                 ":3: column 'is_gallery': expected a boolean on a validation row "
                                 "(True/False, 1/0) (got 'ja')");
}

TEST(DataframeRules, UnreadableFilesAreInputErrors) {
  const auto dir = oml_test::fresh_dir("unreadable");
  EXPECT_EQ(read_error((dir / "absent.csv").string()), (dir / "absent.csv").string() + ": file not found");
  EXPECT_EQ(read_error(dir.string()), dir.string() + ": is a directory, not a CSV file");
  const std::string empty = oml_test::write_text(dir / "empty.csv", "");
  EXPECT_EQ(read_error(empty), empty + ":1: empty file: expected a header line");
  const std::string blank = oml_test::write_text(dir / "blank.csv", "\n\n  \n");
  EXPECT_EQ(read_error(blank), blank + ":1: empty file: expected a header line");
}

TEST(DataframeRules, BinaryGarbageNeverCrashes) {
  const auto dir = oml_test::fresh_dir("garbage");
  std::mt19937 random(12345);
  for (int trial = 0; trial < 200; ++trial) {
    std::string bytes(random() % 400, '\0');
    for (char& c : bytes) c = static_cast<char>(random() % 256);
    if (trial % 4 == 0) bytes = "label,path,split,is_query,is_gallery\nx" + bytes;  // garbage rows
    const std::string csv = oml_test::write_text(dir / "g.csv", bytes);
    EXPECT_THROW(oml::read_dataframe(csv), oml::InputError) << "trial " << trial;
  }
}

}  // namespace
