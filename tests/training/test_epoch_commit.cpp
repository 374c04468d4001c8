// The epoch commit protocol of the trainers (src/oml/training/epoch_commit.h), at each point where
// a kill can land: before the record, between the record and the renames, after.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "oml/training/epoch_commit.h"
#include "support/scratch_dir.h"

namespace oml::training {
namespace {

namespace fs = std::filesystem;
using test_support::ScratchDir;

std::string text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(EpochCommit, PublishMovesEachPendingFileIntoPlace) {
  const ScratchDir dir("epoch_commit_publish");
  const std::string a = dir.write("a.pth", "epoch 1");
  const std::string b = dir.file("b.pt");  // first written in epoch 2
  dir.write("a.pth.epoch2.pending", "epoch 2");
  dir.write("b.pt.epoch2.pending", "epoch 2");
  EXPECT_EQ(pending_path(a, 2), a + ".epoch2.pending");
  publish_pending({a, b, dir.file("never_written.json")}, 2);
  EXPECT_EQ(text(a), "epoch 2");
  EXPECT_EQ(text(b), "epoch 2");
  EXPECT_FALSE(fs::exists(pending_path(a, 2)));
}

TEST(EpochCommit, KilledBeforeTheRecordResumesFromThePreviousEpoch) {
  // The record says epoch 1: files of epoch 2 were never committed and are dropped.
  const ScratchDir dir("epoch_commit_rollback");
  const std::string a = dir.write("a.pth", "epoch 1");
  dir.write("a.pth.epoch2.pending", "epoch 2 (half the files)");
  settle_pending({a}, 1);
  EXPECT_EQ(text(a), "epoch 1");
  EXPECT_FALSE(fs::exists(pending_path(a, 2)));
}

TEST(EpochCommit, KilledBetweenTheRecordAndTheRenamesFinishesThem) {
  // The record says epoch 2 and one rename was done before the kill.
  const ScratchDir dir("epoch_commit_rollforward");
  const std::string a = dir.write("a.pth", "epoch 2");
  const std::string b = dir.write("b.pt", "epoch 1");
  dir.write("b.pt.epoch2.pending", "epoch 2");
  settle_pending({a, b}, 2);
  EXPECT_EQ(text(a), "epoch 2");
  EXPECT_EQ(text(b), "epoch 2");
  EXPECT_FALSE(fs::exists(pending_path(b, 2)));
}

}  // namespace
}  // namespace oml::training
