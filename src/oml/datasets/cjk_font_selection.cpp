#include "oml/datasets/cjk_font_selection.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "oml/common/errors.h"
#include "oml/datasets/han_frequency.h"

namespace oml::datasets {

namespace {

constexpr int kProbeCount = 48;
constexpr int kProbeSize = 48;
constexpr int kMinSharedProbes = 8;

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", fraction * 100.0);
  return text;
}

}  // namespace

ProbeRenderings render_probes(const FontFace& face, const std::vector<char32_t>& probes, int size) {
  ProbeRenderings renderings;
  for (char32_t probe : probes) {
    const bool present = face.glyph_index(probe) != 0;
    renderings.present.push_back(present);
    renderings.images.push_back(present ? face.render_centred(probe, size) : GlyphImage{});
  }
  return renderings;
}

double font_difference(const ProbeRenderings& a, const ProbeRenderings& b) {
  double total = 0.0;
  int shared = 0;
  for (size_t p = 0; p < a.images.size() && p < b.images.size(); ++p) {
    if (!a.present[p] || !b.present[p]) continue;
    const std::vector<uint8_t>& pixels_a = a.images[p].pixels;
    const std::vector<uint8_t>& pixels_b = b.images[p].pixels;
    int64_t sum = 0;
    for (size_t i = 0; i < pixels_a.size(); ++i) sum += std::abs(pixels_a[i] - pixels_b[i]);
    total += static_cast<double>(sum) / (255.0 * static_cast<double>(pixels_a.size()));
    ++shared;
  }
  return shared < kMinSharedProbes ? 1.0 : total / shared;
}

FontSelection select_cjk_fonts(const std::vector<CatalogueFont>& catalogue, int max_fonts) {
  const std::vector<char32_t>& frequent = han_characters_by_frequency();
  const std::vector<char32_t> probes(frequent.begin(), frequent.begin() + kProbeCount);
  FontSelection selection;
  std::vector<ProbeRenderings> kept_probes;
  for (const CatalogueFont& entry : catalogue) {
    if (max_fonts > 0 && static_cast<int>(selection.fonts.size()) >= max_fonts) break;
    const std::string path = entry.path();
    if (!std::filesystem::exists(path)) {
      selection.notes.push_back(std::string(entry.id) + ": not installed (" + path + "; apt-get install " +
                                entry.package + ")");
      continue;
    }
    std::unique_ptr<FontFace> face;
    try {
      face = std::make_unique<FontFace>(path, entry.face_index);
    } catch (const InputError& error) {
      selection.notes.push_back(std::string(entry.id) + ": skipped: " + error.what());
      continue;
    }
    if (face->family_name() != entry.family) {
      selection.notes.push_back(std::string(entry.id) + ": skipped: face " +
                                std::to_string(entry.face_index) + " of " + path + " is '" +
                                face->family_name() + "', expected '" + entry.family + "'");
      continue;
    }
    ProbeRenderings renderings = render_probes(*face, probes, kProbeSize);
    const SelectedFont* closest = nullptr;
    double closest_difference = 2.0;
    for (size_t k = 0; k < selection.fonts.size(); ++k) {
      const double difference = font_difference(renderings, kept_probes[k]);
      if (difference < closest_difference) {
        closest_difference = difference;
        closest = &selection.fonts[k];
      }
    }
    if (closest != nullptr && closest_difference < kDuplicateFontDifference) {
      selection.notes.push_back(std::string(entry.id) + ": skipped: near-duplicate of " + closest->entry.id +
                                " (difference " + percent(closest_difference) + ")");
      continue;
    }
    selection.fonts.push_back({entry, std::move(face)});
    kept_probes.push_back(std::move(renderings));
  }
  return selection;
}

}  // namespace oml::datasets
