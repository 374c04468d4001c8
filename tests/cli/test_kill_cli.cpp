// Real kill -9 (docs/reliability.md, "Faults"), where test_faults_cli.cpp kills inside a write:
// a dataset builder killed at several moments leaves only whole files under their final names, and
// a training (either) killed in the middle of an epoch resumes to the weights an uninterrupted run reaches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "fault_helpers.h"
#include "retrieval_cli_helpers.h"

namespace oml::retrieval_cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace oml::faults;
namespace fs = std::filesystem;

// A PNG is whole when it ends with its IEND chunk (a cut file lacks it).
bool png_is_whole(const fs::path& path) {
  static const std::string kIend("IEND\xae\x42\x60\x82", 8);
  const std::string bytes = file_bytes(path.string());
  return bytes.size() > kIend.size() && bytes.compare(bytes.size() - kIend.size(), kIend.size(), kIend) == 0;
}

// Files under `dir` named as final outputs (no temporary), and how many of them are cut PNGs.
struct Listing {
  int finals = 0;
  int cut_pngs = 0;
};

Listing list_outputs(const fs::path& dir) {
  Listing listing;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) continue;  // a killed writer's own temporary
    ++listing.finals;
    if (entry.path().extension() == ".png" && !png_is_whole(entry.path())) ++listing.cut_pngs;
  }
  return listing;
}

int csv_rows(const std::string& path) {
  std::istringstream in(file_bytes(path));
  std::string line;
  int rows = -1;  // the header
  while (std::getline(in, line))
    if (!line.empty()) ++rows;
  return rows;
}

TEST(KillCli, DatasetBuilderKilledAtSeveralMomentsLeavesOnlyWholeFiles) {
  const ScratchDir dir("kill_dataset");
  const std::string out = dir.file("cjk");
  // The rebuild draws another split (so df.csv changes) at another size (so every PNG does).
  const auto build = [&](const std::string& size, const std::string& seed) {
    return std::vector<std::string>{"dataset", "cjk-fonts", "--out", out,      "--classes",
                                    "40",      "--size",    size,    "--seed", seed};
  };
  ASSERT_EQ(exit_code(run_oml_child(build("32", "0"), dir.file("log"))), 0) << read_text(dir.file("log"));
  const std::string previous_csv = file_bytes(out + "/df.csv");
  const int rows = csv_rows(out + "/df.csv");
  ASSERT_GT(rows, 500);

  // Rebuilt, killed as soon as it prints, then after 50, 200 and 500 ms: wherever
  // the kill lands, df.csv is the previous file or the whole new one and no PNG is cut.
  int killed = 0;
  for (const int delay_ms : {0, 50, 200, 500}) {
    SCOPED_TRACE("kill after " + std::to_string(delay_ms) + " ms");
    const auto started = std::chrono::steady_clock::now();
    const int status = kill_when(build("48", "1"), dir.file("log"), [&] {
      return has_output(dir.file("log")) &&
             std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(delay_ms);
    });
    killed += killed_by(status, SIGKILL) ? 1 : 0;
    const std::string csv = file_bytes(out + "/df.csv");
    if (csv != previous_csv) {
      EXPECT_EQ(csv_rows(out + "/df.csv"), rows) << "a cut df.csv; status " << status;
    }
    const Listing listing = list_outputs(out);
    EXPECT_EQ(listing.cut_pngs, 0);
    EXPECT_GE(listing.finals, rows + 2);  // every image, df.csv and fonts.csv
  }
  EXPECT_GE(killed, 2) << "the rebuilds ended before most kills landed";
  // A run to the end afterwards gives the whole new dataset.
  ASSERT_EQ(exit_code(run_oml_child(build("48", "1"), dir.file("log"))), 0) << read_text(dir.file("log"));
  EXPECT_TRUE(file_bytes(out + "/df.csv") != previous_csv);
  EXPECT_EQ(csv_rows(out + "/df.csv"), rows);
  EXPECT_EQ(list_outputs(out).cut_pngs, 0);
}

TEST(KillCli, TrainExtractorKilledMidEpochResumesToTheUninterruptedWeights) {
  const ScratchDir dir("kill_train_extractor");
  // 16 rows per train label: an epoch of 8 steps, long enough to be killed inside.
  const std::string csv = dir.write("df.csv", fixture_image_csv(16));
  const auto train = [&](const std::string& out, bool resume) {
    return small_train_extractor_args(csv, kFixtureImages, dir.file(out), "3", resume);
  };
  ASSERT_EQ(exit_code(run_oml_child(train("full.pth", false), dir.file("log"))), 0)
      << read_text(dir.file("log"));

  // Killed as soon as epoch 1 is committed, i.e. early in epoch 2.
  const std::string state = dir.file("part.pth.state.json");
  const int status = kill_when(train("part.pth", false), dir.file("log"), [&] {
    return fs::exists(state) && file_bytes(state).find("\"epochs_done\": 1") != std::string::npos;
  });
  ASSERT_TRUE(killed_by(status, SIGKILL)) << "the run ended before the kill: " << read_text(dir.file("log"));
  EXPECT_THAT(file_bytes(state), HasSubstr("\"epochs_done\": 1"));

  ASSERT_EQ(exit_code(run_oml_child(train("part.pth", true), dir.file("log"))), 0)
      << read_text(dir.file("log"));
  EXPECT_THAT(read_text(dir.file("log")), HasSubstr("resuming after epoch 1 of 3"));
  EXPECT_EQ(file_bytes(dir.file("part.pth")), file_bytes(dir.file("full.pth")));
  EXPECT_EQ(file_bytes(dir.file("part.pth.last.pth")), file_bytes(dir.file("full.pth.last.pth")));
  EXPECT_THAT(names_starting(dir.path(), "part.pth"), Not(testing::Contains(HasSubstr(".pending"))));
}

TEST(KillCli, TrainRerankerKilledMidEpochResumesToTheUninterruptedWeights) {
  const ScratchDir dir("kill_train_reranker");
  // 12 train labels of 4 rows (the fixture images repeat): 6 steps of 2x2 per epoch.
  const std::vector<std::string> images = {"board.jpg", "flower.jpg", "photo.bmp",
                                           "gray.jpg",  "rgba.png",   "palette.png"};
  std::string text = "label,path,split,is_query,is_gallery\n";
  Matrix embeddings;
  embeddings.cols = 4;
  for (int label = 0; label < 12; ++label) {
    for (int i = 0; i < 4; ++i) {
      text += std::to_string(label) + "," + images[(label + i) % images.size()] + ",train,,\n";
      for (int d = 0; d < 4; ++d)
        embeddings.values.push_back(static_cast<float>((label * 7 + i * 3 + d) % 5));
      ++embeddings.rows;
    }
  }
  const std::string csv = dir.write("df.csv", text);
  write_npy(dir.file("e.npy"), embeddings);
  const auto train = [&](const std::string& out, bool resume) {
    return small_train_reranker_args(csv, kFixtureImages, dir.file("e.npy"), "resnet18", "3", dir.file(out),
                                     resume ? dir.file(out) : "");
  };
  ASSERT_EQ(exit_code(run_oml_child(train("full.pth", false), dir.file("log"))), 0)
      << read_text(dir.file("log"));

  // Killed as soon as epoch 1 is committed (its weights renamed into place after the training
  // state), i.e. early in epoch 2.
  const int status =
      kill_when(train("part.pth", false), dir.file("log"), [&] { return fs::exists(dir.file("part.pth")); });
  ASSERT_TRUE(killed_by(status, SIGKILL)) << "the run ended before the kill: " << read_text(dir.file("log"));

  ASSERT_EQ(exit_code(run_oml_child(train("part.pth", true), dir.file("log"))), 0)
      << read_text(dir.file("log"));
  EXPECT_THAT(read_text(dir.file("log")), HasSubstr("for epochs 2..3"));
  EXPECT_EQ(file_bytes(dir.file("part.pth")), file_bytes(dir.file("full.pth")));
  EXPECT_THAT(names_starting(dir.path(), "part.pth"), Not(testing::Contains(HasSubstr(".pending"))));
}

}  // namespace
}  // namespace oml::retrieval_cli
