#pragma once
// Durability of gallery changes under --data-dir: every change is one JSON line appended to
// log-<generation>.jsonl and fdatasync'ed before the reply; compaction writes snapshot.json (the
// whole difference from the CSV, generation g+1) atomically, then starts log-<g+1>.jsonl and drops
// the old log. Start-up reads snapshot.json (generation 0 when absent) and replays its log.
// kill -9 at any point leaves either the old snapshot with its complete log, or the new snapshot:
// nothing acknowledged is lost. A torn last line (a write cut short, never acknowledged) is dropped.
#include <cstdint>
#include <memory>
#include <string>

#include "oml/serve/durable_file.h"
#include "oml/serve/gallery.h"

namespace oml::serve {

class GalleryLog {
 public:
  // Creates `dir` if needed and replays its snapshot and log into `gallery`. Throws InputError for
  // a snapshot made for another CSV (row count or dimension differ) or a corrupt record.
  GalleryLog(std::string dir, Gallery& gallery);

  // Where uploaded gallery images are kept (the re-ranker and the web page read them).
  std::string image_dir() const;

  void record_add(const GalleryItem& item);
  void record_remove(int64_t row);
  // Snapshot of `gallery` (which must hold every recorded change) and a fresh log.
  void compact(const Gallery& gallery);
  int64_t records_since_snapshot() const { return records_; }
  int64_t generation() const { return generation_; }

 private:
  std::string log_path(int64_t generation) const;
  void replay_log(Gallery& gallery);

  std::string dir_;
  int64_t generation_ = 0;
  int64_t records_ = 0;
  std::unique_ptr<AppendFile> log_;
};

}  // namespace oml::serve
