#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oml/datasets/emoji_vendors.h"

namespace oml::datasets {

// Where one vendor's picture of an emoji is.
struct EmojiImageSource {
  int sheet_x = -1;  // cell of a datasource sprite sheet
  int sheet_y = -1;
  std::string svg_path;  // OpenMoji SVG file
};

struct CatalogueEmoji {
  std::string unified;   // emoji-datasource's code point sequence, e.g. "2764-FE0F-200D-1F525"
  std::string name;      // "HEAVY BLACK HEART" style, skin tone variations get the tone appended
  std::string category;  // "Smileys & Emotion", ...
  int64_t sort_key = 0;  // CLDR order (emoji-datasource's sort_order), variations right after their base
  std::vector<std::optional<EmojiImageSource>> sources;  // one per chosen vendor, in --vendors order

  int vendor_count() const;
};

// A chosen vendor and the directory its npm package was extracted to.
struct VendorPackage {
  EmojiVendor vendor;
  std::string directory;
};

// The key that identifies an emoji across vendors: the code points in uppercase hex joined by '-',
// without U+FE0F (variation selector 16). emoji-datasource writes fully-qualified sequences
// ("00A9-FE0F") where OpenMoji sometimes uses the unqualified one ("00A9"); both name one emoji.
std::string emoji_identity(const std::string& code_sequence);

// True when the sequence contains a Fitzpatrick skin tone modifier (U+1F3FB..U+1F3FF).
bool has_skin_tone_modifier(const std::string& code_sequence);

// Emoji of emoji-datasource (read from the first datasource vendor's emoji.json) in CLDR order,
// with the picture of each chosen vendor that really has one: a datasource vendor where its own
// emoji.json sets has_img_<vendor> (so no other vendor's fallback image is ever used), OpenMoji
// where openmoji.json lists the emoji and its SVG exists. Skin tones (variations and the modifier
// swatches themselves) only when `with_skin_tones`. Malformed metadata throws InputError naming
// the file and field.
std::vector<CatalogueEmoji> read_emoji_catalogue(const std::vector<VendorPackage>& vendors,
                                                 bool with_skin_tones);

}  // namespace oml::datasets
