#include "oml/serve/gallery_log.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "oml/common/errors.h"

namespace oml::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormat = "oml-serve-gallery";

json item_to_json(const GalleryItem& item) {
  json j = {{"row", item.row}, {"label", item.label}, {"path", item.path}, {"image_path", item.image_path}};
  j["sequence"] = item.sequence ? json(*item.sequence) : json(nullptr);
  // Stored as doubles holding the float values exactly; they read back to the same floats.
  j["embedding"] = item.embedding;
  return j;
}

GalleryItem item_from_json(const json& j) {
  GalleryItem item;
  item.row = j.at("row").get<int64_t>();
  item.label = j.at("label").get<int64_t>();
  item.path = j.at("path").get<std::string>();
  item.image_path = j.at("image_path").get<std::string>();
  if (!j.at("sequence").is_null()) item.sequence = j.at("sequence").get<std::string>();
  item.embedding = j.at("embedding").get<std::vector<float>>();
  return item;
}

void apply_add(Gallery& gallery, const GalleryItem& item, const std::string& where) {
  if (static_cast<int64_t>(item.embedding.size()) != gallery.dim() || item.row < gallery.next_row()) {
    throw InputError(fmt::format("{}: item {} does not fit this gallery", where, item.row));
  }
  gallery.reserve_rows_until(item.row);
  gallery.add(item);
}

}  // namespace

GalleryLog::GalleryLog(std::string dir, Gallery& gallery) : dir_(std::move(dir)) {
  fs::create_directories(fs::path(dir_) / "images");
  const std::string snapshot = (fs::path(dir_) / "snapshot.json").string();
  if (fs::exists(snapshot)) {
    std::ifstream in(snapshot);
    json j;
    try {
      j = json::parse(in);
      if (j.at("format") != kFormat) throw InputError("not a gallery snapshot");
    } catch (const std::exception& e) {
      throw InputError(fmt::format("{}: unreadable gallery snapshot ({})", snapshot, e.what()));
    }
    if (j.at("csv_rows").get<int64_t>() != gallery.csv_rows() ||
        j.at("dim").get<int64_t>() != gallery.dim()) {
      throw InputError(fmt::format(
          "{}: made for a CSV of {} rows and embeddings of dimension {}, not {} and {}; use another "
          "--data-dir",
          snapshot, j.at("csv_rows").get<int64_t>(), j.at("dim").get<int64_t>(), gallery.csv_rows(),
          gallery.dim()));
    }
    generation_ = j.at("generation").get<int64_t>();
    for (const auto& row : j.at("removed")) gallery.remove(row.get<int64_t>());
    for (const auto& item : j.at("items")) apply_add(gallery, item_from_json(item), snapshot);
    gallery.reserve_rows_until(j.at("next_row").get<int64_t>());
  }
  replay_log(gallery);
  // Logs of older generations are leftovers of a compaction cut short after its rename.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("log-", 0) == 0 && entry.path() != fs::path(log_path(generation_)))
      fs::remove(entry.path());
  }
  log_ = std::make_unique<AppendFile>(log_path(generation_));
}

std::string GalleryLog::image_dir() const { return (fs::path(dir_) / "images").string(); }

std::string GalleryLog::log_path(int64_t generation) const {
  return (fs::path(dir_) / fmt::format("log-{}.jsonl", generation)).string();
}

void GalleryLog::replay_log(Gallery& gallery) {
  const std::string path = log_path(generation_);
  if (!fs::exists(path)) return;
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  int64_t line = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    ++line;
    json record;
    const bool complete = end != std::string::npos;
    if (complete)
      record = json::parse(text.begin() + static_cast<std::ptrdiff_t>(start),
                           text.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (!complete || record.is_discarded()) {
      // Only the last record can be torn by a crash; it was never acknowledged.
      if (!complete || end + 1 == text.size()) {
        std::fprintf(stderr, "%s:%lld: dropping a torn last record (never acknowledged)\n", path.c_str(),
                     static_cast<long long>(line));
        truncate_file(path, start);
        return;
      }
      throw InputError(fmt::format("{}:{}: corrupt gallery log record", path, line));
    }
    const std::string where = fmt::format("{}:{}", path, line);
    try {
      if (record.at("op") == "add") {
        apply_add(gallery, item_from_json(record.at("item")), where);
      } else if (record.at("op") == "remove") {
        gallery.remove(record.at("row").get<int64_t>());
      } else {
        throw InputError("unknown op");
      }
    } catch (const json::exception& e) {
      throw InputError(fmt::format("{}: corrupt gallery log record ({})", where, e.what()));
    }
    ++records_;
    start = end + 1;
  }
}

void GalleryLog::record_add(const GalleryItem& item) {
  log_->append(json({{"op", "add"}, {"item", item_to_json(item)}}).dump() + "\n");
  ++records_;
}

void GalleryLog::record_remove(int64_t row) {
  log_->append(json({{"op", "remove"}, {"row", row}}).dump() + "\n");
  ++records_;
}

void GalleryLog::compact(const Gallery& gallery) {
  json items = json::array();
  for (const GalleryItem& item : gallery.added_items()) items.push_back(item_to_json(item));
  const json snapshot = {
      {"format", kFormat},        {"generation", generation_ + 1},  {"csv_rows", gallery.csv_rows()},
      {"dim", gallery.dim()},     {"next_row", gallery.next_row()}, {"removed", gallery.removed_csv_rows()},
      {"items", std::move(items)}};
  // The rename is the commit point: before it the old snapshot + old log hold everything, after it
  // the new snapshot does (its log starts empty).
  write_file_durably((fs::path(dir_) / "snapshot.json").string(), snapshot.dump() + "\n");
  const std::string old_log = log_path(generation_);
  ++generation_;
  log_ = std::make_unique<AppendFile>(log_path(generation_));
  fs::remove(old_log);
  records_ = 0;
}

}  // namespace oml::serve
