#pragma once
#include <cstdint>
#include <string>
#include <vector>

// Triplet mining on one batch, as OML's miners choose them. Plain data in and out (indices into
// the batch) so the choice can be tested without a model; the loss gathers the features.
namespace oml::training {

enum class TripletMinerKind {
  kHard,  // OML HardTripletsMiner: per anchor, the farthest positive and the closest negative
  kAll,   // OML AllTripletsMiner: every (anchor, positive != anchor, negative) of the batch
};

// "hard" / "all"; throws InputError naming `option` for anything else.
TripletMinerKind parse_triplet_miner(const std::string& name, const std::string& option = "--miner");
const char* triplet_miner_name(TripletMinerKind kind);

struct Triplets {
  std::vector<int64_t> anchors;
  std::vector<int64_t> positives;
  std::vector<int64_t> negatives;

  size_t size() const { return anchors.size(); }
};

// One triplet per anchor that has at least one positive (another item with its label) and one
// negative; the positive maximises and the negative minimises distances[a * n + i]. Ties go to
// the lower batch index. `distances` is the row-major n x n matrix of the batch (n = labels.size()).
Triplets mine_hardest_triplets(const std::vector<float>& distances, const std::vector<int64_t>& labels);

// Every valid triplet, ordered by anchor, then positive, then negative (batch order).
Triplets all_triplets(const std::vector<int64_t>& labels);

}  // namespace oml::training
