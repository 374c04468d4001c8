#include "oml/datasets/emoji_catalogue.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "oml/common/errors.h"

namespace oml::datasets {

namespace {

using Json = nlohmann::json;

Json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open");
  try {
    return Json::parse(in);
  } catch (const Json::exception& error) {
    throw InputError(path + ": not valid JSON: " + error.what());
  }
}

// Reads the field of entry `index` of `file`, or throws naming both.
template <typename T>
T required_field(const Json& entry, const char* field, const std::string& file, size_t index) {
  const auto found = entry.find(field);
  if (found == entry.end() || found->is_null()) {
    throw InputError(file + ": entry " + std::to_string(index) + ": missing field '" + field + "'");
  }
  try {
    return found->get<T>();
  } catch (const Json::exception&) {
    throw InputError(file + ": entry " + std::to_string(index) + ": field '" + field +
                     "' has the wrong type (" + found->dump() + ")");
  }
}

std::string optional_string(const Json& entry, const char* field) {
  const auto found = entry.find(field);
  return found != entry.end() && found->is_string() ? found->get<std::string>() : "";
}

// An absent has_img flag means "no image": never fall back to a picture that is not the vendor's.
bool has_image(const Json& entry, const std::string& vendor) {
  const auto found = entry.find("has_img_" + vendor);
  return found != entry.end() && found->is_boolean() && found->get<bool>();
}

// Calls visit(entry, top-level entry, its index, variation number) for every emoji of emoji.json:
// the top-level entries (variation 0) and, when asked, their skin tone variations (1, 2, ... in
// key order, which nlohmann::json keeps sorted).
template <typename Visit>
void for_each_datasource_emoji(const Json& emoji, const std::string& file, bool with_skin_tones,
                               Visit visit) {
  if (!emoji.is_array()) throw InputError(file + ": expected a JSON array of emoji");
  for (size_t i = 0; i < emoji.size(); ++i) {
    const Json& entry = emoji[i];
    if (!entry.is_object()) throw InputError(file + ": entry " + std::to_string(i) + " is not an object");
    visit(entry, entry, i, 0);
    const auto variations = entry.find("skin_variations");
    if (!with_skin_tones || variations == entry.end() || !variations->is_object()) continue;
    int number = 0;
    for (const auto& variation : *variations) visit(variation, entry, i, ++number);
  }
}

int64_t sort_key_of(int64_t base_order, int variation) { return base_order * 1000 + variation; }

}  // namespace

int CatalogueEmoji::vendor_count() const {
  int count = 0;
  for (const auto& source : sources) count += source.has_value() ? 1 : 0;
  return count;
}

std::string emoji_identity(const std::string& code_sequence) {
  std::string identity;
  std::stringstream parts(code_sequence);
  for (std::string part; std::getline(parts, part, '-');) {
    for (char& c : part) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (part == "FE0F") continue;
    identity += (identity.empty() ? "" : "-") + part;
  }
  return identity;
}

bool has_skin_tone_modifier(const std::string& code_sequence) {
  std::stringstream parts(emoji_identity(code_sequence));
  for (std::string part; std::getline(parts, part, '-');) {
    if (part == "1F3FB" || part == "1F3FC" || part == "1F3FD" || part == "1F3FE" || part == "1F3FF")
      return true;
  }
  return false;
}

std::vector<CatalogueEmoji> read_emoji_catalogue(const std::vector<VendorPackage>& vendors,
                                                 bool with_skin_tones) {
  const VendorPackage* base = nullptr;
  for (const VendorPackage& package : vendors) {
    if (base == nullptr && package.vendor.artwork == EmojiArtwork::kDatasourceSheet) base = &package;
  }
  if (base == nullptr)
    throw InputError("--vendors: needs at least one emoji-datasource vendor (google, twitter, ...)");

  // The emoji list and its order come from one emoji.json; each vendor's own file says what it has.
  std::vector<CatalogueEmoji> catalogue;
  std::unordered_map<std::string, size_t> by_identity;
  const std::string base_file = base->directory + "/package/" + base->vendor.metadata_path();
  for_each_datasource_emoji(
      read_json(base_file), base_file, with_skin_tones,
      [&](const Json& entry, const Json& top_level, size_t index, int variation) {
        CatalogueEmoji emoji;
        emoji.unified = required_field<std::string>(entry, "unified", base_file, index);
        if (!with_skin_tones && has_skin_tone_modifier(emoji.unified)) return;  // the five tone swatches
        emoji.name = optional_string(top_level, "name");
        if (variation > 0) emoji.name += " (" + emoji.unified + ")";
        emoji.category = optional_string(top_level, "category");
        emoji.sort_key =
            sort_key_of(required_field<int64_t>(top_level, "sort_order", base_file, index), variation);
        emoji.sources.resize(vendors.size());
        if (!by_identity.emplace(emoji_identity(emoji.unified), catalogue.size()).second) {
          throw InputError(base_file + ": entry " + std::to_string(index) + ": emoji " + emoji.unified +
                           " is listed twice");
        }
        catalogue.push_back(std::move(emoji));
      });

  for (size_t v = 0; v < vendors.size(); ++v) {
    const EmojiVendor& vendor = vendors[v].vendor;
    const std::string file = vendors[v].directory + "/package/" + vendor.metadata_path();
    const Json metadata = read_json(file);
    if (vendor.artwork == EmojiArtwork::kDatasourceSheet) {
      for_each_datasource_emoji(
          metadata, file, with_skin_tones, [&](const Json& entry, const Json&, size_t index, int) {
            const auto found =
                by_identity.find(emoji_identity(required_field<std::string>(entry, "unified", file, index)));
            if (found == by_identity.end() || !has_image(entry, vendor.id)) return;
            EmojiImageSource source;
            source.sheet_x = required_field<int>(entry, "sheet_x", file, index);
            source.sheet_y = required_field<int>(entry, "sheet_y", file, index);
            catalogue[found->second].sources[v] = source;
          });
      continue;
    }
    if (!metadata.is_array()) throw InputError(file + ": expected a JSON array of emoji");
    for (size_t i = 0; i < metadata.size(); ++i) {
      const std::string hexcode = required_field<std::string>(metadata[i], "hexcode", file, i);
      const auto found = by_identity.find(emoji_identity(hexcode));
      if (found == by_identity.end()) continue;  // OpenMoji's own extras have no counterpart
      EmojiImageSource source;
      source.svg_path = vendors[v].directory + "/package/color/svg/" + hexcode + ".svg";
      if (std::filesystem::exists(source.svg_path)) catalogue[found->second].sources[v] = source;
    }
  }
  return catalogue;
}

}  // namespace oml::datasets
