#pragma once
#include <string>

namespace oml::serve {

// The page served at `/`: drop or choose an image, see the ranked gallery as thumbnails with
// labels and distances, before (the index's list) and after the --post chain. Self-contained (no
// external scripts or styles), since the service may run where nothing else is reachable.
const std::string& web_page_html();

}  // namespace oml::serve
