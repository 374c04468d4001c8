#include "oml/datasets/emoji_vendors.h"

#include <sstream>

#include "oml/common/errors.h"

namespace oml::datasets {

namespace {

// Versions tested with this code (emoji-datasource 16.0.0 = Emoji 16.0; OpenMoji 17.0.0 covers
// every emoji of it); integrity strings from the registry's dist.integrity of those releases.
EmojiVendor datasource_vendor(const std::string& id, const std::string& integrity, const std::string& licence,
                              bool clean_licence) {
  return {id,
          EmojiArtwork::kDatasourceSheet,
          {"emoji-datasource-" + id, "16.0.0", integrity},
          licence,
          clean_licence};
}

}  // namespace

std::vector<std::string> EmojiVendor::needed_members() const {
  if (artwork == EmojiArtwork::kOpenmojiSvg) return {"package/" + metadata_path(), "package/color/svg"};
  return {"package/" + metadata_path(), "package/" + sheet_path()};
}

std::string EmojiVendor::metadata_path() const {
  return artwork == EmojiArtwork::kOpenmojiSvg ? "data/openmoji.json" : "emoji.json";
}

std::string EmojiVendor::sheet_path() const { return "img/" + id + "/sheets-clean/64.png"; }

const std::vector<EmojiVendor>& emoji_vendors() {
  static const std::vector<EmojiVendor> vendors = {
      datasource_vendor("google",
                        "sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/"
                        "jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A==",
                        "Apache-2.0 (Noto Emoji)", true),
      datasource_vendor("twitter",
                        "sha512-7F+uCuHH+7Qnrc15P5tnbvKkg9E6tlzi4MnT2uW1RlN4pLYTza6cP/"
                        "dstIfSDMtpjFLWuZewWg8jBbuL2eyELQ==",
                        "CC-BY-4.0 (Twemoji graphics)", true),
      {"openmoji",
       EmojiArtwork::kOpenmojiSvg,
       {"openmoji", "17.0.0",
        "sha512-EBnYrNGdcdw+OSXmENeNE1yBNRu6tOraTmoOyUbJkTmvT/+XETp8RZLSJFzD3lrPc5N9CzsyPnRTk0Vp4UaI9w=="},
       "CC-BY-SA-4.0",
       true},
      datasource_vendor(
          "apple",
          "sha512-dVYjsK0FnCry9F+PBtnivhG2K0xdwlmqYaSgiUtztUdAGPYiHYhZcVKvNBqC791g2qyEcFNTBO6utg4eQ3uLTw==",
          "Apple proprietary: not licensed for commercial use", false),
      datasource_vendor(
          "facebook",
          "sha512-b9ZxJdB7nMWGckH1vyCjPSosaa6MJYuojPPFiQ0LmDIZS8vlG454XKcmTFKrXIMAA72O4MRJMYFhvWI8pjyciQ==",
          "Facebook proprietary: no clear licence", false),
  };
  return vendors;
}

std::string default_emoji_vendor_list() {
  std::string list;
  for (const EmojiVendor& vendor : emoji_vendors()) {
    if (vendor.clean_licence) list += (list.empty() ? "" : ",") + vendor.id;
  }
  return list;
}

std::vector<EmojiVendor> parse_emoji_vendor_list(const std::string& list) {
  std::vector<EmojiVendor> chosen;
  std::stringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    const EmojiVendor* found = nullptr;
    for (const EmojiVendor& vendor : emoji_vendors()) {
      if (vendor.id == item) found = &vendor;
    }
    if (found == nullptr) {
      std::string known;
      for (const EmojiVendor& vendor : emoji_vendors()) known += (known.empty() ? "" : ", ") + vendor.id;
      throw InputError("--vendors: unknown vendor '" + item + "' (known: " + known + ")");
    }
    for (const EmojiVendor& previous : chosen) {
      if (previous.id == item) throw InputError("--vendors: '" + item + "' is listed twice");
    }
    chosen.push_back(*found);
  }
  if (chosen.empty())
    throw InputError("--vendors: expected a comma-separated list, e.g. " + default_emoji_vendor_list());
  return chosen;
}

}  // namespace oml::datasets
