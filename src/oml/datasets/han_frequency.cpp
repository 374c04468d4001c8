#include "oml/datasets/han_frequency.h"

namespace oml::datasets {

const std::vector<char32_t>& han_characters_by_frequency() {
  static const std::vector<char32_t> characters = {
#include "oml/datasets/han_frequency.inc"
  };
  return characters;
}

}  // namespace oml::datasets
