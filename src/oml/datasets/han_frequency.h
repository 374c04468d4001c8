#pragma once
#include <vector>

namespace oml::datasets {

// Han characters (CJK Unified Ideographs) ordered by modern Chinese usage frequency, most frequent
// first, with variant forms merged (see make_han_frequency.py for the source and the rules).
const std::vector<char32_t>& han_characters_by_frequency();

}  // namespace oml::datasets
