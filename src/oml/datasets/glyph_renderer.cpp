#include "oml/datasets/glyph_renderer.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cmath>

#include "oml/common/errors.h"

namespace oml::datasets {

struct FontFace::Handles {
  FT_Library library = nullptr;
  FT_Face face = nullptr;
};

namespace {

constexpr int kHalfCoverage = 128;
constexpr int kMaxShrinkSteps = 8;

}  // namespace

FontFace::FontFace(const std::string& path, int face_index)
    : handles_(std::make_unique<Handles>()), path_(path) {
  if (FT_Init_FreeType(&handles_->library) != 0) throw InputError("FreeType: cannot initialise the library");
  if (FT_New_Face(handles_->library, path.c_str(), face_index, &handles_->face) != 0) {
    FT_Done_FreeType(handles_->library);
    throw InputError(path + ": FreeType cannot open face " + std::to_string(face_index));
  }
  if (!FT_IS_SCALABLE(handles_->face)) {
    FT_Done_Face(handles_->face);
    FT_Done_FreeType(handles_->library);
    throw InputError(path + ": face " + std::to_string(face_index) + " is a bitmap-only font (not scalable)");
  }
}

FontFace::~FontFace() {
  FT_Done_Face(handles_->face);
  FT_Done_FreeType(handles_->library);
}

std::string FontFace::family_name() const {
  return handles_->face->family_name ? handles_->face->family_name : "";
}

std::string FontFace::style_name() const {
  return handles_->face->style_name ? handles_->face->style_name : "";
}

uint32_t FontFace::glyph_index(char32_t code_point) const {
  return FT_Get_Char_Index(handles_->face, static_cast<FT_ULong>(code_point));
}

GlyphImage FontFace::render_centred(char32_t code_point, int size) const {
  GlyphImage image;
  image.size = size;
  image.pixels.assign(static_cast<size_t>(size) * size, 255);
  const uint32_t glyph = glyph_index(code_point);
  if (glyph == 0 || size <= 0) return image;

  FT_Face face = handles_->face;
  int em = static_cast<int>(std::lround(size * 7.0 / 8.0));
  for (int step = 0; step <= kMaxShrinkSteps && em > 0; ++step) {
    if (FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(em)) != 0 ||
        FT_Load_Glyph(face, glyph, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP | FT_LOAD_RENDER) != 0) {
      throw InputError(path_ + ": FreeType cannot render U+" +
                       std::to_string(static_cast<uint32_t>(code_point)));
    }
    const FT_Bitmap& bitmap = face->glyph->bitmap;
    const int width = static_cast<int>(bitmap.width);
    const int rows = static_cast<int>(bitmap.rows);
    if (width > size || rows > size) {
      // Brush and display fonts draw past their em square: shrink so the whole stroke stays visible.
      em = std::max(1, static_cast<int>(em * static_cast<double>(size) / std::max(width, rows)) - 1);
      continue;
    }
    if (bitmap.pixel_mode != FT_PIXEL_MODE_GRAY || bitmap.pitch < 0) {
      throw InputError(path_ + ": unexpected FreeType bitmap format for glyph " + std::to_string(glyph));
    }
    const int left = (size - width) / 2;
    const int top = (size - rows) / 2;
    for (int y = 0; y < rows; ++y) {
      const unsigned char* source = bitmap.buffer + static_cast<size_t>(y) * bitmap.pitch;
      uint8_t* target = image.pixels.data() + static_cast<size_t>(top + y) * size + left;
      for (int x = 0; x < width; ++x) {
        target[x] = static_cast<uint8_t>(255 - source[x]);
        if (source[x] >= kHalfCoverage) ++image.ink_pixels;
      }
    }
    return image;
  }
  throw InputError(path_ + ": glyph " + std::to_string(glyph) + " does not fit a " + std::to_string(size) +
                   " px canvas");
}

}  // namespace oml::datasets
