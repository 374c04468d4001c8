#include "oml/datasets/emoji_dataset.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/datasets/emoji_catalogue.h"
#include "oml/datasets/emoji_images.h"

namespace oml::datasets {

namespace {

constexpr int kMinSize = 8;
constexpr int kMaxSize = 1024;

std::vector<EmojiVendor> check_options(const EmojiOptions& options) {
  if (options.out_dir.empty()) throw InputError("--out: a directory is required");
  if (options.classes < 0) {
    throw InputError("--classes: expected a number >= 0 (0 = all), got " + std::to_string(options.classes));
  }
  if (options.min_vendors < 2) {
    throw InputError("--min-vendors: expected a number >= 2 (a class needs a query and a gallery), got " +
                     std::to_string(options.min_vendors));
  }
  if (options.size < kMinSize || options.size > kMaxSize) {
    throw InputError("--size: expected " + std::to_string(kMinSize) + ".." + std::to_string(kMaxSize) +
                     " pixels, got " + std::to_string(options.size));
  }
  if (!(options.val_fraction >= 0.0 && options.val_fraction <= 1.0)) {
    throw InputError("--val-fraction: expected a number in [0, 1], got " +
                     std::to_string(options.val_fraction));
  }
  std::vector<EmojiVendor> vendors = parse_emoji_vendor_list(options.vendors);
  if (static_cast<int>(vendors.size()) < options.min_vendors) {
    throw InputError("--vendors: " + std::to_string(vendors.size()) +
                     " vendors chosen but --min-vendors is " + std::to_string(options.min_vendors));
  }
  return vendors;
}

// Visits 0..n-1 with a stride of about n / golden ratio (coprime with n, so every index comes once):
// any prefix is spread over the whole CLDR order, and a --classes subset samples every category
// instead of only the smileys that come first.
std::vector<size_t> spread_order(size_t n) {
  std::vector<size_t> order;
  if (n == 0) return order;
  auto stride = static_cast<size_t>(std::llround(static_cast<double>(n) * 0.6180339887498949));
  stride = std::max<size_t>(stride, 1);
  while (std::gcd(stride, n) != 1) ++stride;
  for (size_t k = 0; k < n; ++k) order.push_back(k * stride % n);
  return order;
}

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t hash = 1469598103934665603ULL;
  for (uint8_t byte : bytes) hash = (hash ^ byte) * 1099511628211ULL;
  return hash;
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string image_directory(const CatalogueEmoji& emoji) { return "images/" + lowercase(emoji.unified); }

// A kept emoji and the vendors whose picture of it was written.
struct KeptEmoji {
  size_t catalogue_index = 0;
  std::vector<size_t> vendors;
};

// Produces the pictures of the chosen vendors, at the output size, from sheets and SVGs.
class VendorPictures {
 public:
  VendorPictures(const std::vector<VendorPackage>& packages, int size, ImageLimits limits)
      : packages_(packages), size_(size), limits_(std::move(limits)) {
    for (const VendorPackage& package : packages) {
      sheets_.emplace_back(package.vendor.artwork == EmojiArtwork::kDatasourceSheet
                               ? std::make_unique<EmojiSheet>(
                                     package.directory + "/package/" + package.vendor.sheet_path(), limits_)
                               : nullptr);
    }
  }

  std::optional<ImageRGB8> picture(size_t vendor, const EmojiImageSource& source) const {
    const cv::Mat bgra =
        sheets_[vendor]
            ? sheets_[vendor]->cell(source.sheet_x, source.sheet_y)
            : rasterise_svg(source.svg_path,
                            packages_[vendor].directory + "/raster-" + std::to_string(kEmojiSourceSize),
                            limits_);
    return emoji_on_white(bgra, size_);
  }

 private:
  const std::vector<VendorPackage>& packages_;
  int size_;
  ImageLimits limits_;
  std::vector<std::unique_ptr<EmojiSheet>> sheets_;
};

void write_side_files(const std::string& root, const std::vector<CatalogueEmoji>& catalogue,
                      const std::vector<KeptEmoji>& kept, const std::vector<VendorPackage>& packages) {
  std::vector<int64_t> images_per_vendor(packages.size(), 0);
  write_file_atomically(root + "emoji.csv", [&](std::ostream& out) {
    out << "label,unified,name,category,vendors\n";
    for (size_t label = 0; label < kept.size(); ++label) {
      const CatalogueEmoji& emoji = catalogue[kept[label].catalogue_index];
      std::string vendors;
      for (size_t v : kept[label].vendors) {
        vendors += (vendors.empty() ? "" : " ") + packages[v].vendor.id;
        ++images_per_vendor[v];
      }
      out << label << ',' << emoji.unified << ',' << csv_field(emoji.name) << ',' << csv_field(emoji.category)
          << ',' << vendors << "\n";
    }
  });
  write_file_atomically(root + "vendors.csv", [&](std::ostream& out) {
    out << "vendor,package,version,licence,images\n";
    for (size_t v = 0; v < packages.size(); ++v) {
      const EmojiVendor& vendor = packages[v].vendor;
      out << vendor.id << ',' << vendor.package.name << ',' << vendor.package.version << ','
          << csv_field(vendor.licence) << ',' << images_per_vendor[v] << "\n";
    }
  });
}

}  // namespace

DatasetSummary build_emoji_dataset(const EmojiOptions& options) {
  const std::vector<EmojiVendor> vendors = check_options(options);
  DatasetSummary summary;
  summary.name = "emoji";
  for (const EmojiVendor& vendor : vendors) {
    if (vendor.clean_licence) continue;
    std::fprintf(stderr, "emoji: warning: %s images: %s; check the terms before using or sharing them\n",
                 vendor.id.c_str(), vendor.licence.c_str());
  }

  const std::string cache_root = options.cache_dir.empty() ? default_cache_root() : options.cache_dir;
  std::vector<VendorPackage> packages;
  for (const EmojiVendor& vendor : vendors) {
    packages.push_back({vendor, ensure_npm_package_files(vendor.package, vendor.needed_members(), cache_root,
                                                         options.registry)});
  }
  const std::vector<CatalogueEmoji> catalogue = read_emoji_catalogue(packages, options.skin_tones);
  std::vector<size_t> candidates;
  for (size_t i = 0; i < catalogue.size(); ++i) {
    if (catalogue[i].vendor_count() >= options.min_vendors) candidates.push_back(i);
  }
  const VendorPictures pictures(packages, options.size, options.image_limits);

  // Pictures are written as soon as an emoji qualifies, so memory holds one emoji's worth (plus
  // the sheets). A picture identical to another emoji's picture from the same vendor (flags of
  // territories drawn as their country's, say) would put equal images in two classes: the later
  // emoji is dropped.
  const std::string root = options.out_dir + "/";
  prepare_directory(options.out_dir);
  const size_t wanted = options.classes == 0 ? candidates.size() : static_cast<size_t>(options.classes);
  std::vector<std::unordered_map<uint64_t, size_t>> seen(vendors.size());
  std::vector<KeptEmoji> kept;
  int64_t duplicates = 0;
  int64_t too_few_drawn = 0;
  std::string duplicate_examples;
  ProgressBar progress("emoji: drawing", static_cast<int64_t>(wanted), "emoji");
  for (size_t position : spread_order(candidates.size())) {
    if (kept.size() >= wanted) break;
    const size_t index = candidates[position];
    const CatalogueEmoji& emoji = catalogue[index];
    std::vector<std::pair<size_t, ImageRGB8>> drawn;
    for (size_t v = 0; v < vendors.size(); ++v) {
      if (!emoji.sources[v]) continue;
      std::optional<ImageRGB8> image = pictures.picture(v, *emoji.sources[v]);
      if (image) drawn.emplace_back(v, std::move(*image));
    }
    if (static_cast<int>(drawn.size()) < options.min_vendors) {
      ++too_few_drawn;
      continue;
    }
    std::vector<uint64_t> hashes;
    const CatalogueEmoji* same_as = nullptr;
    for (const auto& [v, image] : drawn) {
      hashes.push_back(fnv1a(image.pixels));
      const auto found = seen[v].find(hashes.back());
      if (found != seen[v].end() && same_as == nullptr) same_as = &catalogue[found->second];
    }
    if (same_as != nullptr) {
      if (++duplicates <= 3) {
        duplicate_examples +=
            (duplicate_examples.empty() ? "" : ", ") + emoji.unified + " as " + same_as->unified;
      }
      continue;
    }
    KeptEmoji images;
    images.catalogue_index = index;
    prepare_directory(root + image_directory(emoji));
    for (size_t i = 0; i < drawn.size(); ++i) {
      const auto& [v, image] = drawn[i];
      seen[v].emplace(hashes[i], index);
      write_rgb_png(root + image_directory(emoji) + "/" + vendors[v].id + ".png", image.pixels.data(),
                    image.width, image.height);
      images.vendors.push_back(v);
    }
    kept.push_back(std::move(images));
    progress.advance();
  }
  progress.finish();
  // Labels follow the CLDR order whatever order the emoji were drawn in.
  std::sort(kept.begin(), kept.end(), [&](const KeptEmoji& a, const KeptEmoji& b) {
    return catalogue[a.catalogue_index].sort_key < catalogue[b.catalogue_index].sort_key;
  });

  if (duplicates > 0) {
    summary.notes.push_back("skipped " + std::to_string(duplicates) +
                            " emoji drawn identically to another one by some vendor (" + duplicate_examples +
                            (duplicates > 3 ? ", ..." : "") + ")");
  }
  if (too_few_drawn > 0) {
    summary.notes.push_back("skipped " + std::to_string(too_few_drawn) + " emoji with an empty picture");
  }
  if (options.classes > 0 && kept.size() < wanted) {
    summary.notes.push_back("only " + std::to_string(kept.size()) + " emoji qualify (asked for " +
                            std::to_string(wanted) + ")");
  }

  const std::vector<bool> is_validation =
      choose_validation_classes(static_cast<int64_t>(kept.size()), options.val_fraction, options.seed);
  std::vector<DatasetRow> rows;
  for (size_t label = 0; label < kept.size(); ++label) {
    const CatalogueEmoji& emoji = catalogue[kept[label].catalogue_index];
    for (size_t v : kept[label].vendors) {
      DatasetRow row;
      row.label = static_cast<int64_t>(label);
      row.path = image_directory(emoji) + "/" + vendors[v].id + ".png";
      row.is_train = !is_validation[label];
      row.is_query = row.is_gallery = !row.is_train;
      row.category = emoji.category;
      rows.push_back(std::move(row));
    }
  }
  write_side_files(root, catalogue, kept, packages);
  // df.csv last: its presence means the images it names are complete.
  write_oml_csv(root + "df.csv", rows, true);
  count_rows(rows, summary);

  std::string per_vendor;
  for (size_t v = 0; v < vendors.size(); ++v) {
    int64_t count = 0;
    for (const KeptEmoji& emoji : kept) count += std::count(emoji.vendors.begin(), emoji.vendors.end(), v);
    per_vendor += (per_vendor.empty() ? "" : ", ") + vendors[v].id + " " + std::to_string(count);
  }
  summary.notes.push_back("images per vendor: " + per_vendor + "; " + std::to_string(options.size) +
                          " px RGB on white");
  return summary;
}

}  // namespace oml::datasets
