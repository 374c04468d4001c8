#include "oml/datasets/cjk_fonts_dataset.h"

#include <cstdio>
#include <unordered_map>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/datasets/cjk_font_selection.h"
#include "oml/datasets/han_frequency.h"

namespace oml::datasets {

namespace {

constexpr int kMinSize = 8;
constexpr int kMaxSize = 1024;

void check_options(const CjkFontsOptions& options) {
  if (options.out_dir.empty()) throw InputError("--out: a directory is required");
  if (options.classes < 1)
    throw InputError("--classes: expected a number >= 1, got " + std::to_string(options.classes));
  if (options.max_fonts < 0) {
    throw InputError("--fonts: expected a number >= 0 (0 = all), got " + std::to_string(options.max_fonts));
  }
  if (options.min_fonts < 2) {
    throw InputError("--min-fonts: expected a number >= 2 (a class needs a query and a gallery), got " +
                     std::to_string(options.min_fonts));
  }
  if (options.size < kMinSize || options.size > kMaxSize) {
    throw InputError("--size: expected " + std::to_string(kMinSize) + ".." + std::to_string(kMaxSize) +
                     " pixels, got " + std::to_string(options.size));
  }
}

// Glyphs that a font assigns to two or more of the candidate characters: such a font draws those
// characters identically (often a placeholder), which would put equal images in different classes.
std::vector<bool> usable_code_points(const FontFace& face, const std::vector<char32_t>& characters) {
  std::unordered_map<uint32_t, int> uses;
  std::vector<uint32_t> glyphs(characters.size());
  for (size_t i = 0; i < characters.size(); ++i) {
    glyphs[i] = face.glyph_index(characters[i]);
    if (glyphs[i] != 0) ++uses[glyphs[i]];
  }
  std::vector<bool> usable(characters.size());
  for (size_t i = 0; i < characters.size(); ++i) usable[i] = glyphs[i] != 0 && uses[glyphs[i]] == 1;
  return usable;
}

std::string character_directory(char32_t code_point) {
  char text[32];
  std::snprintf(text, sizeof text, "images/%04x", static_cast<unsigned>(code_point));
  return text;
}

std::string image_path(char32_t code_point, const CatalogueFont& font) {
  return character_directory(code_point) + "/" + font.id + ".png";
}

// A kept character and the fonts whose image of it was written.
struct CharacterImages {
  char32_t code_point = 0;
  std::vector<size_t> fonts;  // indices into the selected fonts
};

}  // namespace

DatasetSummary build_cjk_fonts_dataset(const CjkFontsOptions& options) {
  check_options(options);
  DatasetSummary summary;
  summary.name = "cjk-fonts";
  FontSelection selection = select_cjk_fonts(cjk_font_catalogue(), options.max_fonts);
  summary.notes = selection.notes;
  const auto n_fonts = static_cast<int>(selection.fonts.size());
  if (n_fonts < options.min_fonts) {
    throw InputError("cjk-fonts: only " + std::to_string(n_fonts) +
                     " usable CJK fonts are installed, --min-fonts is " + std::to_string(options.min_fonts) +
                     " (install the fonts-* packages of scripts/install-deps.sh or lower --min-fonts)");
  }

  const std::vector<char32_t>& characters = han_characters_by_frequency();
  std::vector<std::vector<bool>> usable;
  for (const SelectedFont& font : selection.fonts)
    usable.push_back(usable_code_points(*font.face, characters));

  // Characters in frequency order that enough fonts actually draw (a mapped glyph can be empty).
  // Images are written as soon as a character qualifies, so memory stays at one character's worth.
  const std::string root = options.out_dir + "/";
  prepare_directory(options.out_dir);
  const int64_t min_ink = static_cast<int64_t>(options.size) * options.size / 1000 + 1;
  std::vector<CharacterImages> kept;
  ProgressBar progress("cjk-fonts: rendering", options.classes, "characters");
  for (size_t c = 0; c < characters.size() && static_cast<int>(kept.size()) < options.classes; ++c) {
    int mapped = 0;
    for (int f = 0; f < n_fonts; ++f) mapped += usable[static_cast<size_t>(f)][c] ? 1 : 0;
    if (mapped < options.min_fonts) continue;
    std::vector<std::pair<size_t, GlyphImage>> drawn;
    for (int f = 0; f < n_fonts; ++f) {
      if (!usable[static_cast<size_t>(f)][c]) continue;
      GlyphImage image =
          selection.fonts[static_cast<size_t>(f)].face->render_centred(characters[c], options.size);
      if (image.ink_pixels >= min_ink) drawn.emplace_back(static_cast<size_t>(f), std::move(image));
    }
    if (static_cast<int>(drawn.size()) < options.min_fonts) continue;
    CharacterImages images;
    images.code_point = characters[c];
    prepare_directory(root + character_directory(characters[c]));
    for (const auto& [font, image] : drawn) {
      write_gray_png(root + image_path(characters[c], selection.fonts[font].entry), image.pixels.data(),
                     image.size, image.size);
      images.fonts.push_back(font);
    }
    kept.push_back(std::move(images));
    progress.advance();
  }
  progress.finish();
  if (kept.size() < static_cast<size_t>(options.classes)) {
    summary.notes.push_back("only " + std::to_string(kept.size()) + " characters are drawn by at least " +
                            std::to_string(options.min_fonts) + " of the " + std::to_string(n_fonts) +
                            " fonts (asked for " + std::to_string(options.classes) + ")");
  }

  const std::vector<bool> is_validation =
      choose_validation_classes(static_cast<int64_t>(kept.size()), options.val_fraction, options.seed);
  std::vector<DatasetRow> rows;
  std::vector<int64_t> images_per_font(static_cast<size_t>(n_fonts), 0);
  for (size_t label = 0; label < kept.size(); ++label) {
    for (size_t font : kept[label].fonts) {
      DatasetRow row;
      row.label = static_cast<int64_t>(label);
      row.path = image_path(kept[label].code_point, selection.fonts[font].entry);
      row.is_train = !is_validation[label];
      row.is_query = row.is_gallery = !row.is_train;
      ++images_per_font[font];
      rows.push_back(std::move(row));
    }
  }
  write_file_atomically(root + "fonts.csv", [&](std::ostream& out) {
    out << "font,family,package,licence,file,face,images\n";
    for (int f = 0; f < n_fonts; ++f) {
      const CatalogueFont& entry = selection.fonts[static_cast<size_t>(f)].entry;
      out << entry.id << ',' << csv_field(entry.family) << ',' << entry.package << ','
          << csv_field(entry.licence) << ',' << entry.path() << ',' << entry.face_index << ','
          << images_per_font[static_cast<size_t>(f)] << "\n";
    }
  });
  // df.csv last: its presence means the images it names are complete.
  write_oml_csv(root + "df.csv", rows, false);
  count_rows(rows, summary);
  summary.notes.push_back(std::to_string(n_fonts) + " fonts, " + std::to_string(options.size) + " px images");
  return summary;
}

}  // namespace oml::datasets
