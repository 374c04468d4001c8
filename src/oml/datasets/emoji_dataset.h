#pragma once
#include <cstdint>
#include <string>

#include "oml/data/image_limits.h"
#include "oml/datasets/dataset_output.h"
#include "oml/datasets/emoji_vendors.h"

namespace oml::datasets {

struct EmojiOptions {
  std::string out_dir;
  int classes = 0;                                    // emoji wanted; 0 = every one that qualifies
  std::string vendors = default_emoji_vendor_list();  // comma-separated, see emoji_vendors()
  int min_vendors = 2;      // an emoji needs a picture from at least this many chosen vendors
  int size = 64;            // image side in pixels
  bool skin_tones = false;  // also the skin tone variations (near-duplicate classes) and swatches
  double val_fraction = 0.5;
  uint64_t seed = 0;
  std::string cache_dir;                // npm packages; empty = default_cache_root()
  std::string registry = kNpmRegistry;  // where missing packages are downloaded from
  ImageLimits image_limits = {};        // the downloaded sheets and cached rasters are read under it
};

// Draws emoji (class = emoji, instance = vendor) into out_dir/images/<code>/<vendor>.png as RGB on
// white and writes out_dir/df.csv (OML format with the emoji category; validation rows are
// 1-vs-rest queries and galleries), out_dir/emoji.csv (label, code, name) and out_dir/vendors.csv
// (packages, licences, image counts). The vendors' npm packages are fetched into the cache on
// first use. Same options and same packages give byte-identical files.
DatasetSummary build_emoji_dataset(const EmojiOptions& options);

}  // namespace oml::datasets
