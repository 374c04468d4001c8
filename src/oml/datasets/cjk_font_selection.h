#pragma once
#include <memory>
#include <string>
#include <vector>

#include "oml/datasets/cjk_font_catalogue.h"
#include "oml/datasets/glyph_renderer.h"

namespace oml::datasets {

struct SelectedFont {
  CatalogueFont entry;
  std::unique_ptr<FontFace> face;
};

struct FontSelection {
  std::vector<SelectedFont> fonts;
  std::vector<std::string> notes;  // why catalogue faces were left out
};

// A font's renderings of a fixed list of probe characters (absent = the font has no glyph).
struct ProbeRenderings {
  std::vector<GlyphImage> images;
  std::vector<bool> present;
};

ProbeRenderings render_probes(const FontFace& face, const std::vector<char32_t>& probes, int size);

// Mean absolute pixel difference (0 = identical, 1 = inverse) between two fonts over the probe
// characters both draw; 1.0 when they share fewer than a handful of probes.
double font_difference(const ProbeRenderings& a, const ProbeRenderings& b);

// Fonts whose probe renderings differ from an already kept font by less than this are treated as
// the same design (a proportional variant, a fork with other kana): only the first is kept.
// Measured on Debian 12 (48 probes, 48 px): P-variants and forks differ by < 0.3%, regional
// variants and revisions of one design (Noto JP/SC, Arphic Kaiti GB/UKai) by 1.6-2.7%, distinct
// designs by 3.4% (Motoya Cedar/Maruberi) to over 20%.
constexpr double kDuplicateFontDifference = 0.03;

// Opens the catalogue faces that are installed, in catalogue order, dropping near-duplicates,
// until `max_fonts` are kept (0 = no limit).
FontSelection select_cjk_fonts(const std::vector<CatalogueFont>& catalogue, int max_fonts);

}  // namespace oml::datasets
