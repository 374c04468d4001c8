#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "oml/common/errors.h"
#include "oml/datasets/cjk_font_catalogue.h"
#include "oml/datasets/cjk_font_selection.h"
#include "oml/datasets/dataset_output.h"
#include "oml/datasets/glyph_renderer.h"
#include "oml/datasets/han_frequency.h"

namespace oml::datasets {
namespace {

const std::string kNotoSans = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
const std::string kIpaGothic = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf";
const std::string kIpaPGothic = "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf";
const std::string kIpaMincho = "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf";

struct InkBox {
  int left = 1 << 30, top = 1 << 30, right = -1, bottom = -1;
};

InkBox ink_box(const GlyphImage& image) {
  InkBox box;
  for (int y = 0; y < image.size; ++y) {
    for (int x = 0; x < image.size; ++x) {
      if (image.pixels[static_cast<size_t>(y) * image.size + x] == 255) continue;
      box.left = std::min(box.left, x);
      box.right = std::max(box.right, x);
      box.top = std::min(box.top, y);
      box.bottom = std::max(box.bottom, y);
    }
  }
  return box;
}

TEST(HanFrequency, StartsWithTheMostFrequentCharactersAndHasNoRepeats) {
  const std::vector<char32_t>& characters = han_characters_by_frequency();
  ASSERT_EQ(characters.size(), 2806u);
  // 的 一 了 是 不 我: the head of the Xiandai Hanyu Pinlu Cidian counts.
  EXPECT_EQ(std::vector<char32_t>(characters.begin(), characters.begin() + 6),
            (std::vector<char32_t>{0x7684, 0x4E00, 0x4E86, 0x662F, 0x4E0D, 0x6211}));
  const std::set<char32_t> unique(characters.begin(), characters.end());
  EXPECT_EQ(unique.size(), characters.size());
  for (char32_t c : characters) {
    const bool unified = (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
    EXPECT_TRUE(unified) << std::hex << static_cast<uint32_t>(c);
  }
  // Variant forms are merged: of 黃 (U+9EC3) and its simplified form 黄 (U+9EC4), only the first in
  // frequency order is kept.
  EXPECT_EQ(unique.count(0x9EC3), 1u);
  EXPECT_EQ(unique.count(0x9EC4), 0u);
}

TEST(GlyphRenderer, CentresTheInkOfAGlyph) {
  const FontFace face(kNotoSans, 2);
  EXPECT_EQ(face.family_name(), "Noto Sans CJK SC");
  const GlyphImage one = face.render_centred(0x4E00, 64);  // 一: a single horizontal stroke
  ASSERT_EQ(one.size, 64);
  ASSERT_EQ(one.pixels.size(), 64u * 64u);
  const InkBox box = ink_box(one);
  EXPECT_GT(box.right - box.left, 40);  // wide: the em square is 56 px
  EXPECT_LT(box.bottom - box.top, 10);  // thin
  EXPECT_LE(std::abs((box.left + box.right) - 63), 1);
  EXPECT_LE(std::abs((box.top + box.bottom) - 63), 1);
  EXPECT_GT(one.ink_pixels, 100);
}

TEST(GlyphRenderer, UnmappedCodePointGivesBlankPaper) {
  const FontFace face(kIpaGothic, 0);
  EXPECT_EQ(face.glyph_index(0xE000), 0u);  // private use area: not in IPA Gothic
  const GlyphImage blank = face.render_centred(0xE000, 32);
  EXPECT_EQ(blank.ink_pixels, 0);
  EXPECT_EQ(std::set<uint8_t>(blank.pixels.begin(), blank.pixels.end()), std::set<uint8_t>{255});
}

TEST(GlyphRenderer, MissingFontFileIsAnInputError) {
  EXPECT_THROW(FontFace("/nonexistent/font.ttf", 0), InputError);
}

TEST(FontSelection, ProportionalVariantIsANearDuplicateButMinchoIsNot) {
  const std::vector<char32_t>& characters = han_characters_by_frequency();
  const std::vector<char32_t> probes(characters.begin(), characters.begin() + 48);
  const ProbeRenderings gothic = render_probes(FontFace(kIpaGothic, 0), probes, 48);
  const ProbeRenderings p_gothic = render_probes(FontFace(kIpaPGothic, 0), probes, 48);
  const ProbeRenderings mincho = render_probes(FontFace(kIpaMincho, 0), probes, 48);
  EXPECT_EQ(font_difference(gothic, gothic), 0.0);
  EXPECT_LT(font_difference(gothic, p_gothic), kDuplicateFontDifference);
  EXPECT_GT(font_difference(gothic, mincho), 2 * kDuplicateFontDifference);
}

TEST(FontSelection, DropsNearDuplicatesAndMissingFiles) {
  std::vector<CatalogueFont> catalogue;
  for (const CatalogueFont& font : cjk_font_catalogue()) {
    const std::string id = font.id;
    if (id == "ipa_gothic" || id == "ipa_pgothic" || id == "ipa_mincho") catalogue.push_back(font);
  }
  ASSERT_EQ(catalogue.size(), 3u);
  catalogue.push_back({"absent", "truetype/does-not-exist.ttf", 0, "Nothing", "fonts-nothing", "none"});
  const FontSelection selection = select_cjk_fonts(catalogue, 0);
  std::vector<std::string> kept;
  for (const SelectedFont& font : selection.fonts) kept.push_back(font.entry.id);
  EXPECT_EQ(kept, (std::vector<std::string>{"ipa_mincho", "ipa_gothic"}));
  bool noted_duplicate = false;
  bool noted_missing = false;
  for (const std::string& note : selection.notes) {
    noted_duplicate =
        noted_duplicate || note.rfind("ipa_pgothic: skipped: near-duplicate of ipa_gothic", 0) == 0;
    noted_missing = noted_missing || note.rfind("absent: not installed", 0) == 0;
  }
  EXPECT_TRUE(noted_duplicate);
  EXPECT_TRUE(noted_missing);
}

TEST(FontSelection, MaxFontsStopsAtTheFirstN) {
  const FontSelection selection = select_cjk_fonts(cjk_font_catalogue(), 2);
  ASSERT_EQ(selection.fonts.size(), 2u);
  EXPECT_STREQ(selection.fonts[0].entry.id, "noto_sans_sc");
  EXPECT_STREQ(selection.fonts[1].entry.id, "noto_serif_sc");
}

TEST(ValidationSplit, PicksTheRoundedFractionDeterministically) {
  const std::vector<bool> a = choose_validation_classes(11, 0.5, 7);
  EXPECT_EQ(std::count(a.begin(), a.end(), true), 6);  // round(5.5) = 6
  EXPECT_EQ(a, choose_validation_classes(11, 0.5, 7));
  EXPECT_NE(a, choose_validation_classes(11, 0.5, 8));
  const std::vector<bool> none = choose_validation_classes(4, 0.0, 1);
  EXPECT_EQ(std::count(none.begin(), none.end(), true), 0);
  const std::vector<bool> all = choose_validation_classes(4, 1.0, 1);
  EXPECT_EQ(std::count(all.begin(), all.end(), true), 4);
  EXPECT_THROW(choose_validation_classes(4, -0.1, 1), InputError);
}

TEST(CsvField, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("tops"), "tops");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}

}  // namespace
}  // namespace oml::datasets
