#pragma once
#include <cstdint>
#include <string>
#include <vector>

// The files one training epoch writes (weights, optimizer state) change together with the record
// that `--resume` trusts (the training state), or not at all. Each file is first written whole
// under a pending name tagged with its epoch, then the record is written (atomically: that is the
// commit), then the pending files are renamed into place. A process killed at any point leaves
// either the previous epoch's files and record, or the new record with pending files that the next
// `--resume` moves into place; never weights of one epoch beside the optimizer or record of another.
namespace oml::training {

// Where the epoch-`epoch` version of `final_path` waits for its commit.
std::string pending_path(const std::string& final_path, int64_t epoch);

// After the record of `epoch` is written: renames each pending file that exists into place.
void publish_pending(const std::vector<std::string>& final_paths, int64_t epoch);

// On --resume, with the epoch the record says is done: finishes the renames a kill interrupted, and
// removes files written for the next epoch, which was never committed, with their temporaries.
void settle_pending(const std::vector<std::string>& final_paths, int64_t committed_epoch);

}  // namespace oml::training
