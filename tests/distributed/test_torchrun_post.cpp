// `--post` chains of search and evaluate as torchrun jobs of 2 and 3 processes (1 thread each) on
// loopback, launched through scripts/oml-torchrun with the installed /usr/bin/torchrun, against the
// same command in one process: byte-identical results CSV and metrics JSON. The pairwise tests
// re-rank with a real (random) ResNet-18 ConcatSiamese checkpoint on the fixture images.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <random>

#include "distributed/torchrun_helpers.h"
#include "oml/io/npy.h"

namespace oml::distributed::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TorchrunPost : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torchrun_installed()) GTEST_SKIP() << "no /usr/bin/torchrun (python3-torch)";
  }
};

// `arguments OUT_FLAG FILE` in one process, then as jobs of 2 and 3 ranks, each writing its own
// FILE; every job must exit 0 and write the one-process bytes, which are returned.
std::string expect_rank_count_invariant(const ScratchDir& scratch, const std::string& arguments,
                                        const std::string& out_flag, const std::string& extension) {
  const std::string one_file = scratch.file("one." + extension);
  const CommandResult one = run_oml(arguments + " " + out_flag + " " + one_file);
  EXPECT_EQ(one.exit_code, 0) << one.output;
  const std::string expected = read_bytes(one_file);
  for (const int ranks : {2, 3}) {
    const std::string file = scratch.file(std::to_string(ranks) + "." + extension);
    const CommandResult job = run_oml_torchrun(ranks, arguments + " " + out_flag + " " + file,
                                               scratch.file("logs" + std::to_string(ranks)));
    EXPECT_EQ(job.exit_code, 0) << job.output;
    EXPECT_EQ(read_bytes(file), expected) << ranks << " ranks";
  }
  return expected;
}

TEST_F(TorchrunPost, EvaluateWithDbaAndQueryExpansionEqualsOneProcess) {
  const ScratchDir scratch("torchrun_post_qe");
  const std::string csv = write_retrieval_dataset(scratch);
  const std::string common = "evaluate --csv " + csv + " --embeddings " + scratch.file("e.npy") +
                             " --cmc 1,5 --precision 3 --map 5 --fmr 0.001,0.1,0.5 --pcf 0.5,0.9 --categories"
                             " --threads 1";
  const std::string expected = expect_rank_count_invariant(
      scratch, common + " --post dba:n=2 --post qe:n=3,alpha=1", "--json", "json");
  ASSERT_THAT(expected, HasSubstr("fnmr@fmr"));
  ASSERT_THAT(expected, HasSubstr("pcf"));
  ASSERT_THAT(expected, HasSubstr("dogs"));
  // The chain ran: fnmr@fmr over its final distances is not that of the plain embeddings.
  const CommandResult plain = run_oml(common + " --json " + scratch.file("plain.json"));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(read_bytes(scratch.file("plain.json")), expected);
}

TEST_F(TorchrunPost, SearchWithKReciprocalAndThresholdEqualsOneProcess) {
  const ScratchDir scratch("torchrun_post_krnn");
  const std::string csv = write_retrieval_dataset(scratch);
  const std::string common =
      "search --csv " + csv + " --embeddings " + scratch.file("e.npy") + " --top-k 7 --threads 1";
  const std::string expected = expect_rank_count_invariant(
      scratch, common + " --post krnn:k1=10,k2=3,lambda=0.3 --post threshold:th=0.6", "--out", "csv");
  ASSERT_GT(expected.size(), 1000u);
  const CommandResult plain = run_oml(common + " --out " + scratch.file("plain.csv"));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(read_bytes(scratch.file("plain.csv")), expected);
}

// 40 validation rows over 13 fixture images (rows 0, 3, 6, ... are queries, 14 in all; 26
// galleries), random 8-d embeddings, and a random ResNet-18 ConcatSiamese (head of 8 units) made
// by tests/serve/make_serve_checkpoints.py. Built once for the pairwise tests.
struct ImageDataset {
  std::unique_ptr<ScratchDir> scratch;
  std::string csv;
  std::string embeddings;
  std::string pairwise;  // --post pairwise:... with batches of 3 pairs
  std::string failure;
};

const ImageDataset& image_dataset() {
  static const ImageDataset dataset = [] {
    ImageDataset d;
    d.scratch = std::make_unique<ScratchDir>("torchrun_post_images");
    const char* images[] = {
        "board.jpg",     "flower.jpg",  "photo.bmp", "rgba.png", "f3_422.jpg",       "f3_420_progressive.jpg",
        "icon_rgba.png", "palette.png", "cmyk.jpg",  "gray.jpg", "exif_rotated.jpg", "gray.png",
        "rgb16.png"};
    std::ofstream csv(d.scratch->file("df.csv"));
    csv << "label,path,split,is_query,is_gallery\n";
    for (int r = 0; r < 40; ++r) {
      const bool query = r % 3 == 0;
      csv << r % 5 << "," << images[r % 13] << ",validation," << (query ? "True" : "False") << ","
          << (!query || r % 2 == 0 ? "True" : "False") << "\n";
    }
    csv.close();
    d.csv = d.scratch->file("df.csv") + " --root " + std::string(OML_SOURCE_DIR) + "/tests/fixtures/images";
    std::mt19937 random(5);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Matrix embeddings;
    embeddings.rows = 40;
    embeddings.cols = 8;
    for (int i = 0; i < 40 * 8; ++i) embeddings.values.push_back(normal(random));
    d.embeddings = d.scratch->file("e.npy");
    write_npy(d.embeddings, embeddings);
    const std::string siamese = d.scratch->file("siamese.pth");
    const CommandResult made = run_command("/usr/bin/python3 " + std::string(OML_SOURCE_DIR) +
                                           "/tests/serve/make_serve_checkpoints.py " +
                                           d.scratch->file("extractor.pth") + " " + siamese);
    if (made.exit_code != 0) d.failure = "make_serve_checkpoints.py failed: " + made.output;
    d.pairwise = "--post pairwise:weights=" + siamese + ",top_n=4,size=32,arch=resnet18,batch=3";
    return d;
  }();
  return dataset;
}

class TorchrunPairwise : public TorchrunPost {
 protected:
  void SetUp() override {
    TorchrunPost::SetUp();
    if (IsSkipped()) return;
    if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
    ASSERT_EQ(image_dataset().failure, "");
  }
};

TEST_F(TorchrunPairwise, EvaluateWithPairwiseEqualsOneProcess) {
  const ImageDataset& d = image_dataset();
  const ScratchDir scratch("torchrun_post_pairwise_eval");
  const std::string common = "evaluate --csv " + d.csv + " --embeddings " + d.embeddings +
                             " --cmc 1,3 --precision 2 --map 3 --fmr 0.1,0.5 --pcf 0.5 --threads 1";
  const std::string expected =
      expect_rank_count_invariant(scratch, common + " " + d.pairwise, "--json", "json");
  ASSERT_THAT(expected, HasSubstr("fnmr@fmr"));
  ASSERT_THAT(expected, HasSubstr("pcf"));
  const CommandResult plain = run_oml(common + " --json " + scratch.file("plain.json"));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(read_bytes(scratch.file("plain.json")), expected);
}

TEST_F(TorchrunPairwise, SearchWithQueryExpansionThenPairwiseEqualsOneProcess) {
  const ImageDataset& d = image_dataset();
  const ScratchDir scratch("torchrun_post_pairwise_search");
  const std::string common = "search --csv " + d.csv + " --embeddings " + d.embeddings +
                             " --top-k 6 --threads 1 --post qe:n=2 " + d.pairwise;
  const std::string expected =
      expect_rank_count_invariant(scratch, common + " --post threshold:th=0.95", "--out", "csv");
  ASSERT_THAT(expected, HasSubstr("query_row,rank,gallery_row,distance\n0,1,"));
  const CommandResult without =
      run_oml("search --csv " + d.csv + " --embeddings " + d.embeddings +
              " --top-k 6 --threads 1 --post qe:n=2 --out " + scratch.file("qe.csv"));
  ASSERT_EQ(without.exit_code, 0) << without.output;
  EXPECT_NE(read_bytes(scratch.file("qe.csv")), expected);

  // The pairs are really spread: 14 queries x 4 = 56 pairs in 19 batches of 3; rank 0 scores
  // batches 0-8 (27 pairs), rank 1 batches 9-18 (29 pairs).
  const CommandResult verbose =
      run_oml_torchrun(2, common + " --out " + scratch.file("all.csv"), scratch.file("logs_all"),
                       local_rendezvous(), "OML_RANK_OUTPUT=all");
  ASSERT_EQ(verbose.exit_code, 0) << verbose.output;
  EXPECT_THAT(verbose.output, HasSubstr("[rank 0] re-ranking: 27/27 pairs"));
  EXPECT_THAT(verbose.output, HasSubstr("[rank 1] re-ranking: 29/29 pairs"));
  const CommandResult plain_qe_pairwise = run_oml(common + " --out " + scratch.file("one_all.csv"));
  ASSERT_EQ(plain_qe_pairwise.exit_code, 0) << plain_qe_pairwise.output;
  EXPECT_EQ(read_bytes(scratch.file("all.csv")), read_bytes(scratch.file("one_all.csv")));
}

TEST_F(TorchrunPairwise, AnUnreadableImageOnAnotherRankEndsTheJobWithItsMessage) {
  const ImageDataset& d = image_dataset();
  const ScratchDir scratch("torchrun_post_pairwise_error");
  // The last query's image is missing: only its pairs (the last share, rank 1's) read it.
  std::ifstream in(d.scratch->file("df.csv"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text += "3,missing.jpg,validation,True,False\n";
  const std::string csv = scratch.write("df.csv", text);
  std::vector<float> values(41 * 8);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i * 37) % 11) / 7.0f;
  Matrix embeddings;
  embeddings.rows = 41;
  embeddings.cols = 8;
  embeddings.values = values;
  write_npy(scratch.file("e.npy"), embeddings);
  const CommandResult job =
      run_oml_torchrun(2,
                       "search --csv " + csv + " --root " + std::string(OML_SOURCE_DIR) +
                           "/tests/fixtures/images --embeddings " + scratch.file("e.npy") +
                           " --top-k 4 --threads 1 " + d.pairwise + " --out " + scratch.file("r.csv"),
                       scratch.file("logs"));
  EXPECT_NE(job.exit_code, 0);
  // Rank 1 failed reading the image; rank 0 reports it naming the rank, both exit with an error.
  EXPECT_THAT(job.output, HasSubstr("error: rank 1: "));
  EXPECT_THAT(job.output, HasSubstr("missing.jpg: file not found"));
  EXPECT_THAT(job.output, Not(HasSubstr("internal error")));
  EXPECT_FALSE(std::ifstream(scratch.file("r.csv")).good());
}

}  // namespace
}  // namespace oml::distributed::testing
