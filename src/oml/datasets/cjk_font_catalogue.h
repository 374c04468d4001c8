#pragma once
#include <string>
#include <vector>

namespace oml::datasets {

// A font face from a Debian package that draws Han characters. `id` names the instance in paths
// and df.csv; `family` is FreeType's family name, checked when the face is opened so a package
// update that reorders a collection cannot silently swap faces.
struct CatalogueFont {
  const char* id;
  const char* relative_path;  // under /usr/share/fonts/
  int face_index;
  const char* family;
  const char* package;
  const char* licence;

  std::string path() const { return std::string("/usr/share/fonts/") + relative_path; }
};

// Faces in order of preference: distinct styles first (sans, serif, kai, brush, handwriting,
// pixel, display), close relatives later, so `--fonts N` keeps the N most varied. Near-duplicates
// (proportional variants, forks) are listed on purpose: the builder's duplicate check removes them.
const std::vector<CatalogueFont>& cjk_font_catalogue();

}  // namespace oml::datasets
