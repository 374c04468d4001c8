#pragma once
#include <cstdint>
#include <string>

#include "oml/datasets/dataset_output.h"

namespace oml::datasets {

struct CjkFontsOptions {
  std::string out_dir;
  int classes = 500;  // characters wanted (fewer if not enough qualify)
  int max_fonts = 0;  // 0 = every installed, non-duplicate catalogue font
  int min_fonts = 8;  // a character needs a drawn glyph in at least this many kept fonts
  int size = 64;      // image side in pixels
  double val_fraction = 0.5;
  uint64_t seed = 0;
};

// Renders Han characters (class = character, instance = font) into out_dir/images/<hex>/<font>.png
// and writes out_dir/df.csv (OML format, validation rows are 1-vs-rest queries and galleries) and
// out_dir/fonts.csv (the fonts used, their packages and licences). Same options and same installed
// fonts give byte-identical files.
DatasetSummary build_cjk_fonts_dataset(const CjkFontsOptions& options);

}  // namespace oml::datasets
