#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace oml::datasets {

// 8-bit grayscale square image, row-major: 255 = white paper, 0 = full ink.
struct GlyphImage {
  int size = 0;
  std::vector<uint8_t> pixels;
  int64_t ink_pixels = 0;  // pixels at least half covered by the glyph
};

// One face of a font file, opened with FreeType. Not copyable; not thread-safe.
class FontFace {
 public:
  // Opens face `face_index` of `path`; throws InputError if FreeType cannot read it.
  FontFace(const std::string& path, int face_index);
  ~FontFace();
  FontFace(const FontFace&) = delete;
  FontFace& operator=(const FontFace&) = delete;

  std::string family_name() const;
  std::string style_name() const;
  // Glyph the font's Unicode cmap assigns to `code_point`; 0 when it has none.
  uint32_t glyph_index(char32_t code_point) const;
  // Renders the glyph anti-aliased and unhinted (hinting differs between FreeType versions and
  // would make sizes font-dependent), its ink box centred in a `size`×`size` canvas. The em square
  // is 7/8 of the canvas; a glyph whose ink would not fit is rendered smaller until it does.
  GlyphImage render_centred(char32_t code_point, int size) const;

 private:
  struct Handles;
  std::unique_ptr<Handles> handles_;
  std::string path_;
};

}  // namespace oml::datasets
