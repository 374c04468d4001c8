#include "oml/training/epoch_commit.h"

#include <filesystem>

#include "oml/common/errors.h"

namespace oml::training {

namespace fs = std::filesystem;

std::string pending_path(const std::string& final_path, int64_t epoch) {
  return final_path + ".epoch" + std::to_string(epoch) + ".pending";
}

void publish_pending(const std::vector<std::string>& final_paths, int64_t epoch) {
  for (const std::string& path : final_paths) {
    const std::string pending = pending_path(path, epoch);
    std::error_code error;
    if (!fs::exists(pending, error)) continue;
    fs::rename(pending, path, error);
    if (error) throw InputError(path + ": cannot move " + pending + " into place: " + error.message());
  }
}

void settle_pending(const std::vector<std::string>& final_paths, int64_t committed_epoch) {
  publish_pending(final_paths, committed_epoch);
  // The uncommitted epoch's pending files, and the temporaries a kill left while writing them
  // (PENDING.tmp.PID, atomic_file.h): nothing else writes this run's files during --resume.
  for (const std::string& path : final_paths) {
    const fs::path uncommitted = pending_path(path, committed_epoch + 1);
    const fs::path directory = uncommitted.has_parent_path() ? uncommitted.parent_path() : fs::path(".");
    const std::string prefix = uncommitted.filename().string();
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(directory, error)) {
      if (entry.path().filename().string().rfind(prefix, 0) != 0) continue;
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
}

}  // namespace oml::training
