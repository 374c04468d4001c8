#include "oml/common/cache_dir.h"

#include <cstdlib>

namespace oml {

std::string user_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return xdg;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache";
}

}  // namespace oml
