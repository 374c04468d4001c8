#include "oml/distributed/pair_scoring.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "oml/common/errors.h"
#include "oml/distributed/sharding.h"

namespace oml::distributed {
namespace {

// Rank 0's broadcast: four int64 (command, a, b, n) then n items of payload.
//   kScore:  a = step, b = batch size, payload = n pairs as 2n int64 (query row, gallery row)
//   kFinish: nothing
//   kAbort:  a = 1 when rank 0's error is an InputError, payload = n message bytes
enum Command : int64_t { kScore = 1, kFinish = 2, kAbort = 3 };
constexpr size_t kHeader = 4 * sizeof(int64_t);

struct Message {
  int64_t command = 0;
  int64_t a = 0;
  int64_t b = 0;
  int64_t n = 0;
  const uint8_t* payload = nullptr;
};

std::vector<uint8_t> encode(int64_t command, int64_t a, int64_t b, int64_t n, const void* payload,
                            size_t payload_bytes) {
  std::vector<uint8_t> bytes(kHeader + payload_bytes);
  const int64_t header[4] = {command, a, b, n};
  std::memcpy(bytes.data(), header, kHeader);
  if (payload_bytes) std::memcpy(bytes.data() + kHeader, payload, payload_bytes);
  return bytes;
}

Message decode(const std::vector<uint8_t>& bytes) {
  if (bytes.size() < kHeader) throw std::runtime_error("pair scoring: short message from rank 0");
  int64_t header[4];
  std::memcpy(header, bytes.data(), kHeader);
  return {header[0], header[1], header[2], header[3], bytes.data() + kHeader};
}

// A rank's answer besides its scores: {0} when it scored its share, otherwise {1 (InputError) or
// 2 (any other error), message bytes...}.
std::vector<int64_t> status_of(const std::exception_ptr& error) {
  if (!error) return {0};
  int64_t code = 2;
  std::string message;
  try {
    std::rethrow_exception(error);
  } catch (const InputError& e) {
    code = 1;
    message = e.what();
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown error";
  }
  std::vector<int64_t> status{code};
  for (const char c : message) status.push_back(static_cast<unsigned char>(c));
  return status;
}

[[noreturn]] void throw_status(const std::vector<int64_t>& status, const std::string& prefix) {
  std::string message = prefix;
  for (size_t i = 1; i < status.size(); ++i) message.push_back(static_cast<char>(status[i]));
  if (status[0] == 1) throw InputError(message);
  throw std::runtime_error(message);
}

// Every rank: scores its share of `pairs` (errors kept, not thrown), then the scores and the
// statuses go to rank 0 (empty vectors on the other ranks).
struct Answers {
  std::vector<std::vector<float>> scores;
  std::vector<std::vector<int64_t>> statuses;
};

Answers answer(ProcessGroup& group, const ScoredPairs& pairs, int64_t batch_size,
               const std::function<LocalPairScorer()>& make_scorer, std::exception_ptr& error) {
  std::vector<float> scores;
  std::exception_ptr failure;
  try {
    const RowRange share =
        shard_batches(static_cast<int64_t>(pairs.size()), batch_size, group.world_size(), group.rank());
    if (share.size() > 0) {
      const ScoredPairs mine(pairs.begin() + share.begin, pairs.begin() + share.end);
      scores = make_scorer()(mine);
      if (static_cast<int64_t>(scores.size()) != share.size())
        throw std::logic_error("pair scorer returned a wrong number of scores");
    }
  } catch (...) {
    failure = std::current_exception();
    scores.clear();
  }
  if (failure && !error) error = failure;
  Answers answers;
  answers.scores = group.gather(scores, 0);
  answers.statuses = group.gather(status_of(failure), 0);
  return answers;
}

}  // namespace

std::vector<float> PairScoringCoordinator::score(int64_t step, const ScoredPairs& pairs, int64_t batch_size,
                                                 const LocalPairScorer& local) {
  if (closed_) throw std::logic_error("pair scoring: score() after finish() or abort()");
  if (batch_size < 1) throw std::invalid_argument("pair scoring: batch size must be >= 1");
  std::vector<int64_t> flat;
  flat.reserve(2 * pairs.size());
  for (const auto& [query, gallery] : pairs) {
    flat.push_back(query);
    flat.push_back(gallery);
  }
  std::vector<uint8_t> request = encode(kScore, step, batch_size, static_cast<int64_t>(pairs.size()),
                                        flat.data(), flat.size() * sizeof(int64_t));
  flat = {};
  group_.broadcast(request, 0);
  request = {};
  std::exception_ptr own;
  const Answers answers = answer(
      group_, pairs, batch_size, [&] { return local; }, own);
  if (own) std::rethrow_exception(own);
  std::vector<float> scores;
  scores.reserve(pairs.size());
  for (size_t r = 0; r < answers.statuses.size(); ++r) {
    if (answers.statuses[r].at(0) != 0) throw_status(answers.statuses[r], "rank " + std::to_string(r) + ": ");
    scores.insert(scores.end(), answers.scores[r].begin(), answers.scores[r].end());
  }
  if (scores.size() != pairs.size())
    throw std::logic_error("pair scoring: ranks returned a wrong number of scores");
  return scores;
}

void PairScoringCoordinator::finish() {
  if (closed_) return;
  closed_ = true;
  std::vector<uint8_t> message = encode(kFinish, 0, 0, 0, nullptr, 0);
  group_.broadcast(message, 0);
}

void PairScoringCoordinator::abort(const std::exception& error) noexcept {
  if (closed_) return;
  closed_ = true;
  try {
    const std::string text = error.what();
    const int64_t input_error = dynamic_cast<const InputError*>(&error) ? 1 : 0;
    std::vector<uint8_t> message =
        encode(kAbort, input_error, 0, static_cast<int64_t>(text.size()), text.data(), text.size());
    group_.broadcast(message, 0);
  } catch (...) {
    // A rank already gone: torchrun stops the rest when this process exits non-zero.
  }
}

void serve_pair_scoring(ProcessGroup& group,
                        const std::function<LocalPairScorer(int64_t step, int64_t batch_size)>& scorer_for) {
  std::exception_ptr own;  // this rank's first scoring error, rethrown when rank 0 aborts
  while (true) {
    std::vector<uint8_t> bytes;
    group.broadcast(bytes, 0);
    const Message message = decode(bytes);
    if (message.command == kFinish) {
      if (own) std::rethrow_exception(own);
      return;
    }
    if (message.command == kAbort) {
      if (own) std::rethrow_exception(own);
      const std::string text(reinterpret_cast<const char*>(message.payload), static_cast<size_t>(message.n));
      std::vector<int64_t> status{message.a == 1 ? 1 : 2};
      for (const char c : text) status.push_back(static_cast<unsigned char>(c));
      throw_status(status, "rank 0 stopped the job: ");
    }
    if (message.command != kScore || message.n < 0 ||
        bytes.size() != kHeader + static_cast<size_t>(message.n) * 2 * sizeof(int64_t)) {
      throw std::runtime_error("pair scoring: malformed message from rank 0");
    }
    ScoredPairs pairs(static_cast<size_t>(message.n));
    for (size_t i = 0; i < pairs.size(); ++i) {
      int64_t pair[2];
      std::memcpy(pair, message.payload + i * sizeof pair, sizeof pair);
      pairs[i] = {pair[0], pair[1]};
    }
    bytes = {};
    const int64_t step = message.a;
    const int64_t batch_size = message.b;
    answer(
        group, pairs, batch_size, [&] { return scorer_for(step, batch_size); }, own);
  }
}

}  // namespace oml::distributed
