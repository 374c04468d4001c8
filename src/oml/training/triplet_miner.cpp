#include "oml/training/triplet_miner.h"

#include <stdexcept>

#include "oml/common/errors.h"

namespace oml::training {

TripletMinerKind parse_triplet_miner(const std::string& name, const std::string& option) {
  if (name == "hard") return TripletMinerKind::kHard;
  if (name == "all") return TripletMinerKind::kAll;
  throw InputError(option + ": unknown miner '" + name + "' (expected hard or all)");
}

const char* triplet_miner_name(TripletMinerKind kind) {
  return kind == TripletMinerKind::kHard ? "hard" : "all";
}

Triplets mine_hardest_triplets(const std::vector<float>& distances, const std::vector<int64_t>& labels) {
  const auto n = static_cast<int64_t>(labels.size());
  if (static_cast<int64_t>(distances.size()) != n * n) {
    throw std::invalid_argument("mine_hardest_triplets: distance matrix does not match the labels");
  }
  Triplets triplets;
  for (int64_t a = 0; a < n; ++a) {
    const float* row = distances.data() + a * n;
    int64_t hardest_positive = -1;
    int64_t hardest_negative = -1;
    for (int64_t i = 0; i < n; ++i) {
      if (i == a) continue;
      if (labels[i] == labels[a]) {
        // Strict comparisons keep the first (lowest) index among equal distances.
        if (hardest_positive < 0 || row[i] > row[hardest_positive]) hardest_positive = i;
      } else if (hardest_negative < 0 || row[i] < row[hardest_negative]) {
        hardest_negative = i;
      }
    }
    if (hardest_positive < 0 || hardest_negative < 0) continue;
    triplets.anchors.push_back(a);
    triplets.positives.push_back(hardest_positive);
    triplets.negatives.push_back(hardest_negative);
  }
  return triplets;
}

Triplets all_triplets(const std::vector<int64_t>& labels) {
  const auto n = static_cast<int64_t>(labels.size());
  Triplets triplets;
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t p = 0; p < n; ++p) {
      if (p == a || labels[p] != labels[a]) continue;
      for (int64_t q = 0; q < n; ++q) {
        if (labels[q] == labels[a]) continue;
        triplets.anchors.push_back(a);
        triplets.positives.push_back(p);
        triplets.negatives.push_back(q);
      }
    }
  }
  return triplets;
}

}  // namespace oml::training
