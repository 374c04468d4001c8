#pragma once
#include <string>
#include <vector>

#include "oml/datasets/npm_package.h"

namespace oml::datasets {

enum class EmojiArtwork {
  kDatasourceSheet,  // emoji-datasource-<vendor>: 64 px sprite sheet + emoji.json with has_img_<vendor>
  kOpenmojiSvg,      // openmoji: one SVG per emoji + data/openmoji.json
};

// One emoji design set and the pinned npm release it comes from.
struct EmojiVendor {
  std::string id;  // as given to --vendors and used in file names
  EmojiArtwork artwork = EmojiArtwork::kDatasourceSheet;
  NpmPackage package;
  std::string licence;
  bool clean_licence = false;  // usable without licence worries: part of the default set

  // Paths inside the package tarball the dataset needs.
  std::vector<std::string> needed_members() const;
  // emoji.json (datasource) or data/openmoji.json, relative to the extracted package directory.
  std::string metadata_path() const;
  // The 64 px sheet without fallback images of other vendors (datasource vendors only).
  std::string sheet_path() const;
};

// Every known vendor: google, twitter, openmoji (the clean-licence default), apple, facebook.
const std::vector<EmojiVendor>& emoji_vendors();

// "google,twitter,openmoji".
std::string default_emoji_vendor_list();

// Parses a comma-separated --vendors list (order kept, duplicates rejected); InputError names the
// unknown vendor and the known ones.
std::vector<EmojiVendor> parse_emoji_vendor_list(const std::string& list);

}  // namespace oml::datasets
