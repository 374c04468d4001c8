#pragma once
// The processes of one torchrun job, joined through a c10d store and talking through c10d's
// ProcessGroupGloo. Plain data in and out; torch stays inside process_group.cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "oml/distributed/launch_environment.h"

namespace oml::distributed {

class ProcessGroup {
 public:
  // Joins the job: a c10d TCPStore (served by rank 0 under the c10d rendezvous, by the torchrun
  // agent under the static one; see LaunchEnvironment::use_agent_store) under a PrefixStore, and
  // a ProcessGroupGloo on it. The Gloo device binds to GLOO_SOCKET_IFNAME when set, otherwise to
  // this host's name (loopback when it does not resolve). Blocks until every rank has joined.
  explicit ProcessGroup(const LaunchEnvironment& env);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_root() const { return rank_ == 0; }

  // Every collective below must be called by every rank in the same order.
  void barrier();

  // Every rank's buffer, in rank order; buffers may differ in length.
  std::vector<std::vector<float>> all_gather(const std::vector<float>& local);
  std::vector<std::vector<int64_t>> all_gather(const std::vector<int64_t>& local);

  // Every rank's buffer in rank order on `root`; an empty vector on the other ranks.
  std::vector<std::vector<float>> gather(const std::vector<float>& local, int root);
  std::vector<std::vector<int64_t>> gather(const std::vector<int64_t>& local, int root);

  // `bytes` of `root` on every rank (resized on the receivers).
  void broadcast(std::vector<uint8_t>& bytes, int root);

  // Element-wise sum over ranks, in place (same length on every rank). Unsigned counts are summed
  // as int64 bit patterns: modulo 2^64, exact for any total below 2^63.
  void all_reduce_sum(std::vector<int64_t>& values);
  void all_reduce_sum(std::vector<uint64_t>& values);

  // The same for `count` floats at `values` (training gradients; summed in Gloo's ring order, so
  // every rank ends with the same bits).
  void all_reduce_sum(float* values, size_t count);
  // Rank `root`'s `count` floats at `values` into every rank's `values`.
  void broadcast(float* values, size_t count, int root);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0;
  int world_size_ = 1;
};

// The job this process belongs to: nullptr without torchrun's variables (a plain one-process run,
// no c10d at all), otherwise the joined group.
std::unique_ptr<ProcessGroup> join_from_environment();

}  // namespace oml::distributed
