// extract, search and evaluate as torchrun jobs of 2 and 3 processes on loopback, launched through
// scripts/oml-torchrun with the installed /usr/bin/torchrun, against the same command in one
// process: byte-identical .npy, results CSV and metrics JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "distributed/torchrun_helpers.h"
#include "oml/io/npy.h"

namespace oml::distributed::testing {
namespace {

using ::testing::HasSubstr;

class TorchrunCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torchrun_installed()) GTEST_SKIP() << "no /usr/bin/torchrun (python3-torch)";
  }
};

// `search` of write_retrieval_dataset in one process: its arguments without --out, and the bytes
// of its one.csv, which every job must reproduce.
struct SearchReference {
  std::string common;
  std::string expected;
};

SearchReference search_in_one_process(const ScratchDir& scratch) {
  const std::string csv = write_retrieval_dataset(scratch);
  SearchReference reference;
  reference.common =
      "search --csv " + csv + " --embeddings " + scratch.file("e.npy") + " --top-k 7 --threads 1";
  const CommandResult one = run_oml(reference.common + " --out " + scratch.file("one.csv"));
  EXPECT_EQ(one.exit_code, 0) << one.output;
  reference.expected = read_bytes(scratch.file("one.csv"));
  return reference;
}

TEST_F(TorchrunCli, SearchOverTwoAndThreeRanksEqualsOneProcess) {
  const ScratchDir scratch("torchrun_search");
  const auto [common, expected] = search_in_one_process(scratch);
  ASSERT_GT(expected.size(), 1000u);

  // c10d rendezvous: rank 0 serves the store.
  const CommandResult two =
      run_oml_torchrun(2, common + " --out " + scratch.file("two.csv"), scratch.file("logs2"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_EQ(read_bytes(scratch.file("two.csv")), expected);

  // Static rendezvous on a port of our choosing: the torchrun agent serves the store.
  const std::string rendezvous = "--master_addr=127.0.0.1 --master_port=" + std::to_string(free_port());
  const CommandResult three =
      run_oml_torchrun(3, common + " --out " + scratch.file("three.csv"), scratch.file("logs3"), rendezvous);
  ASSERT_EQ(three.exit_code, 0) << three.output;
  EXPECT_EQ(read_bytes(scratch.file("three.csv")), expected);
}

// The two-node recipe of docs/distributed.md, both "nodes" on this host: two torchrun agents of
// one process each meet at one c10d rendezvous endpoint (--nnodes=2) and form one job.
TEST_F(TorchrunCli, TwoAgentsMeetingAtOneEndpointFormOneJob) {
  const ScratchDir scratch("torchrun_two_nodes");
  const auto [common, expected] = search_in_one_process(scratch);
  ASSERT_GT(expected.size(), 1000u);
  const int port = free_port();
  const std::string rendezvous =
      "--nnodes=2 --rdzv_backend=c10d --rdzv_endpoint=127.0.0.1:" + std::to_string(port) +
      " --rdzv_id=two-nodes-" + std::to_string(port);
  const auto agent = [&](int node) {
    return torchrun_command(1, common + " --out " + scratch.file("two.csv"),
                            scratch.file("logs" + std::to_string(node)), rendezvous);
  };
  const CommandResult job = run_command("(" + agent(0) + ") & first=$!; " + agent(1) +
                                        "; second=$?; wait $first; first=$?; exit $((first | second))");
  ASSERT_EQ(job.exit_code, 0) << job.output;
  EXPECT_EQ(read_bytes(scratch.file("two.csv")), expected);
}

TEST_F(TorchrunCli, EvaluateOverTwoRanksGivesTheSameMetrics) {
  const ScratchDir scratch("torchrun_evaluate");
  const std::string csv = write_retrieval_dataset(scratch);
  const std::string common = "evaluate --csv " + csv + " --embeddings " + scratch.file("e.npy") +
                             " --cmc 1,5 --precision 3 --map 5 --fmr 0.001,0.1,0.5 --pcf 0.5,0.9 --categories"
                             " --threads 1";
  const CommandResult one = run_oml(common + " --json " + scratch.file("one.json"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const std::string expected = read_bytes(scratch.file("one.json"));
  ASSERT_THAT(expected, HasSubstr("fnmr@fmr"));
  ASSERT_THAT(expected, HasSubstr("pcf"));
  ASSERT_THAT(expected, HasSubstr("dogs"));

  const CommandResult two =
      run_oml_torchrun(2, common + " --json " + scratch.file("two.json"), scratch.file("logs"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_EQ(read_bytes(scratch.file("two.json")), expected);
  // The table goes to stdout once (rank 0), not once per rank.
  size_t tables = 0;
  for (size_t at = two.output.find("cmc@1"); at != std::string::npos; at = two.output.find("cmc@1", at + 1))
    ++tables;
  EXPECT_EQ(tables, 1u) << two.output;
}

// "query,gallery" of every result line of a search CSV.
std::set<std::string> result_pairs(const std::string& csv_text) {
  std::set<std::string> pairs;
  std::istringstream lines(csv_text);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    const size_t first = line.find(',');
    const size_t second = line.find(',', first + 1);
    const size_t third = line.find(',', second + 1);
    pairs.insert(line.substr(0, first) + "," + line.substr(second + 1, third - second - 1));
  }
  return pairs;
}

TEST_F(TorchrunCli, HnswOverShardsFindsTheExactNeighbours) {
  const ScratchDir scratch("torchrun_hnsw");
  const std::string csv = write_retrieval_dataset(scratch);
  const std::string common =
      "search --csv " + csv + " --embeddings " + scratch.file("e.npy") + " --top-k 7 --threads 1";
  const CommandResult exact = run_oml(common + " --out " + scratch.file("exact.csv"));
  ASSERT_EQ(exact.exit_code, 0) << exact.output;
  const std::set<std::string> truth = result_pairs(read_bytes(scratch.file("exact.csv")));
  ASSERT_EQ(truth.size(), 900u * 7u);  // 900 queries, 7 neighbours each
  for (const int ranks : {2, 3}) {
    const std::string out = scratch.file("hnsw" + std::to_string(ranks) + ".csv");
    const CommandResult job = run_oml_torchrun(ranks, common + " --index hnsw --hnsw-ef 20 --out " + out,
                                               scratch.file("logs" + std::to_string(ranks)));
    ASSERT_EQ(job.exit_code, 0) << job.output;
    const std::set<std::string> found = result_pairs(read_bytes(out));
    EXPECT_EQ(found.size(), truth.size());
    size_t hits = 0;
    for (const std::string& pair : found) hits += truth.count(pair);
    // Per-shard graphs of ~2000 16-d points searched with ef 20, merged: nearly exact.
    EXPECT_GE(static_cast<double>(hits) / static_cast<double>(truth.size()), 0.97) << ranks << " ranks";
  }
}

TEST_F(TorchrunCli, ExtractOnTwoAndThreeRanksWritesTheOneProcessFileByteForByte) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  const ScratchDir scratch("torchrun_extract");
  const std::string checkpoint = scratch.file("r18.pth");
  const CommandResult made =
      run_command("/usr/bin/python3 " + std::string(OML_SOURCE_DIR) +
                  "/tests/fixtures/make_resnet_reference.py make resnet18 " + checkpoint);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  // 7 rows in batches of 2: rank 0 embeds rows 0-3, rank 1 rows 4-6 (whole batches each).
  std::ofstream(scratch.file("df.csv")) << "label,path,split,is_query,is_gallery\n"
                                           "0,board.jpg,train,,\n"
                                           "0,flower.jpg,train,,\n"
                                           "1,photo.bmp,validation,True,True\n"
                                           "1,palette.png,validation,True,False\n"
                                           "1,rgba.png,validation,False,True\n"
                                           "2,gray.jpg,validation,True,True\n"
                                           "2,cmyk.jpg,validation,True,True\n";
  const std::string common = "extract --csv " + scratch.file("df.csv") + " --root " +
                             std::string(OML_SOURCE_DIR) +
                             "/tests/fixtures/images --arch resnet18 --weights " + checkpoint +
                             " --size 32 --batch-size 2 --threads 1";
  const CommandResult one = run_oml(common + " --out " + scratch.file("one.npy"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const CommandResult two =
      run_oml_torchrun(2, common + " --out " + scratch.file("two.npy"), scratch.file("logs"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const std::string expected = read_bytes(scratch.file("one.npy"));
  ASSERT_EQ(read_npy(scratch.file("one.npy")).rows, 7);
  EXPECT_EQ(read_bytes(scratch.file("two.npy")), expected);
  // Progress from rank 0 only by default ("extract: 4/4 images ..."), every rank with a prefix
  // under OML_RANK_OUTPUT=all.
  EXPECT_THAT(two.output, HasSubstr("extract: 4/4 images"));
  EXPECT_THAT(two.output, ::testing::Not(HasSubstr("extract: 3/3 images")));
  const CommandResult verbose =
      run_oml_torchrun(2, common + " --out " + scratch.file("three.npy"), scratch.file("logs_all"),
                       local_rendezvous(), "OML_RANK_OUTPUT=all");
  ASSERT_EQ(verbose.exit_code, 0) << verbose.output;
  EXPECT_THAT(verbose.output, HasSubstr("[rank 0] extract: 4/4 images"));
  EXPECT_THAT(verbose.output, HasSubstr("[rank 1] extract: 3/3 images"));
  EXPECT_EQ(read_bytes(scratch.file("three.npy")), expected);

  // 3 ranks: 4 batches of 2 rows split 2, 1, 1.
  const CommandResult three =
      run_oml_torchrun(3, common + " --out " + scratch.file("ranks3.npy"), scratch.file("logs3"));
  ASSERT_EQ(three.exit_code, 0) << three.output;
  EXPECT_EQ(read_bytes(scratch.file("ranks3.npy")), expected);
}

}  // namespace
}  // namespace oml::distributed::testing
