#pragma once
#include <string>

namespace oml {

// The user's cache directory under the XDG base directory rule: $XDG_CACHE_HOME when set and not
// empty, else $HOME/.cache (./.cache without a HOME). Each cache picks its own folder below it.
std::string user_cache_dir();

}  // namespace oml
