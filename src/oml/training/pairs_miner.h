#pragma once
#include <cstdint>
#include <vector>

// OML's PairsMiner (spec §7): pairs for the siamese, mined on the precomputed extractor
// embeddings of a batch. Positions index the batch; the same row drawn twice is two positions.
namespace oml {

enum class MiningMode {
  kHard,  // per anchor: the farthest positive and the closest negative (OML <= 3.1.5)
  kAll,   // every same-label pair; every cross-label pair touching an item with a positive
};

struct MinedPair {
  int64_t first = 0;   // smaller batch position: the siamese's x1 (top image)
  int64_t second = 0;  // larger batch position
  bool is_negative = false;
  bool operator==(const MinedPair& other) const {
    return first == other.first && second == other.second && is_negative == other.is_negative;
  }
};

// Unordered, deduplicated pairs: all positives first, then all negatives, each group in
// lexicographic order (OML's order is Python-set order; tests compare sets). Hard mode ties go
// to the lower position. An anchor without a positive (negative) contributes no such pair.
// `distances` is the row-major B x B matrix of the batch.
std::vector<MinedPair> mine_pairs_from_distances(const std::vector<float>& distances,
                                                 const std::vector<int64_t>& labels, MiningMode mode);

// Same on embeddings [B, dim] (row-major): float32 Euclidean distances from direct differences
// (never the GEMM form, whose rounding breaks near-ties).
std::vector<MinedPair> mine_pairs(const std::vector<float>& embeddings, int64_t dim,
                                  const std::vector<int64_t>& labels, MiningMode mode);

// Row-major B x B Euclidean distance matrix used by mine_pairs.
std::vector<float> pairwise_euclidean(const std::vector<float>& embeddings, int64_t dim);

}  // namespace oml
