// fnmr@fmr over a gallery split into parts, each part streamed by its own participant and the
// counts summed (the CountReduction seam that distributed/ fills with an all-reduce): every
// participant gets exactly the whole-gallery values. Participants are threads here, meeting in
// a small in-test summing barrier.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "oml/metrics/fnmr_at_fmr.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/problem_slice.h"
#include "oml/retrieval/retrieval_problem.h"
#include "retrieval/problem_builder.h"

namespace oml {
namespace {

using testing::make_dataframe;
using testing::random_matrix;
using testing::random_rows;

// Sums equal-length buffers of `parties` threads; each call returns once all have contributed.
class SummingBarrier {
 public:
  explicit SummingBarrier(int parties) : parties_(parties) {}
  void sum(std::vector<uint64_t>& values) {
    std::unique_lock<std::mutex> lock(mutex_);
    const uint64_t round = round_;
    if (arrived_ == 0) total_.assign(values.size(), 0);
    for (size_t i = 0; i < values.size(); ++i) total_[i] += values[i];
    if (++arrived_ == parties_) {
      result_ = total_;
      arrived_ = 0;
      ++round_;
      done_.notify_all();
    } else {
      done_.wait(lock, [&] { return round_ != round; });
    }
    values = result_;
  }

 private:
  int parties_;
  int arrived_ = 0;
  uint64_t round_ = 0;
  std::vector<uint64_t> total_, result_;
  std::mutex mutex_;
  std::condition_variable done_;
};

TEST(FnmrAtFmrSharded, PartsWithSummedCountsEqualTheWholeGallery) {
  const RetrievalProblem problem = make_retrieval_problem(make_dataframe(random_rows(180, 7, 25, 5)));
  const Matrix e = random_matrix(180, 10, 4);
  const Matrix queries = gather_rows(e, problem.query_rows);
  const Matrix galleries = gather_rows(e, problem.gallery_rows);
  const std::vector<double> fmrs{0.0, 0.01, 0.1, 0.5, 0.9, 1.0};
  TileOptions tiles;
  tiles.threads = 1;
  const auto whole = streaming_fnmr_at_fmr(queries, galleries, problem, fmrs, true, tiles);

  for (int parts : {2, 3}) {
    SummingBarrier barrier(parts);
    std::vector<std::vector<std::vector<std::optional<double>>>> results(static_cast<size_t>(parts));
    std::vector<std::thread> threads;
    for (int p = 0; p < parts; ++p) {
      threads.emplace_back([&, p] {
        const int64_t g0 = problem.num_galleries() * p / parts;
        const int64_t g1 = problem.num_galleries() * (p + 1) / parts;
        const RetrievalProblem part = slice_problem(problem, 0, problem.num_queries(), g0, g1);
        std::vector<int64_t> positions;
        for (int64_t g = g0; g < g1; ++g) positions.push_back(g);
        const Matrix own = gather_rows(galleries, positions);
        const DistanceTileSource source = [&](const TileVisitor& visit, const TileOptions& options) {
          for_each_distance_tile(queries, own, visit, options);
        };
        results[static_cast<size_t>(p)] = streaming_fnmr_at_fmr(
            source, part, fmrs, true, tiles, [&](std::vector<uint64_t>& counts) { barrier.sum(counts); });
      });
    }
    for (auto& t : threads) t.join();
    for (int p = 0; p < parts; ++p) {
      EXPECT_EQ(results[static_cast<size_t>(p)], whole) << parts << " parts, part " << p;
    }
  }
}

}  // namespace
}  // namespace oml
