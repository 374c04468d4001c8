#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

// OML's batch samplers (spec §8) with a deterministic generator, so a seed gives the same
// batches on every platform (OML draws from NumPy's global RNG; we reproduce its invariants).
namespace oml {

// SplitMix64: one 64-bit state, raw outputs only. Bounded integers by rejection, so the
// distribution is exactly uniform and does not depend on any std::*_distribution.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, bound); bound must be > 0.
  uint64_t below(uint64_t bound);
  // Uniform double in [0, 1) from the top 53 bits.
  double unit();

 private:
  uint64_t state_;
};

// In-place Fisher–Yates (the variant swapping i with a uniform j in [0, i]).
template <typename T>
void shuffle_in_place(std::vector<T>& items, SplitMix64& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng.below(i));
    std::swap(items[i - 1], items[j]);
  }
}

// OML's smart_sample: k items without replacement if there are at least k, otherwise all items
// (shuffled) followed by k - |items| draws with replacement.
std::vector<int64_t> smart_sample(const std::vector<int64_t>& items, int64_t k, SplitMix64& rng);

// A batch = positions into the labels array given to the sampler (for train-reranker: indices of
// the train rows), n_labels contiguous blocks of n_instances items.
using Batch = std::vector<int64_t>;

// How validation errors name items: `noun` ("train row") and `where(i)` (e.g. "df.csv:8").
// Defaults: "item" and "item <i>".
struct ItemNames {
  std::string noun = "item";
  std::function<std::string(int64_t item)> where;
  std::string name(int64_t item) const;
};

// BalanceSampler(labels, n_labels, n_instances), spec §8.1. Checks: 1 < n_labels <= #labels,
// n_instances > 1, every label has >= 2 items (InputError naming the label and its rows).
// Each epoch: Fisher–Yates over the sorted distinct labels, consecutive groups of n_labels
// (the remainder is dropped), smart_sample(n_instances) per label. len = L // n_labels.
class BalanceSampler {
 public:
  BalanceSampler(const std::vector<int64_t>& labels, int64_t n_labels, int64_t n_instances, uint64_t seed,
                 ItemNames names = {});

  int64_t batches_per_epoch() const { return static_cast<int64_t>(labels_sorted_.size()) / n_labels_; }
  int64_t batch_size() const { return n_labels_ * n_instances_; }
  // The batches of the next epoch (advances the generator).
  std::vector<Batch> next_epoch();

 private:
  int64_t n_labels_;
  int64_t n_instances_;
  std::vector<int64_t> labels_sorted_;
  std::map<int64_t, std::vector<int64_t>> items_of_label_;
  SplitMix64 rng_;
};

// CategoryBalanceSampler (spec §8.2): every batch independently picks n_categories categories
// without replacement (weighted by their number of labels if weight_categories), then
// smart_sample(n_labels) labels per category (only without replacement when !resample_labels,
// which requires every category to have >= n_labels labels), then smart_sample(n_instances)
// items per label. len = ceil(L / n_labels).
class CategoryBalanceSampler {
 public:
  CategoryBalanceSampler(const std::vector<int64_t>& labels,
                         const std::map<int64_t, std::string>& label2category, int64_t n_categories,
                         int64_t n_labels, int64_t n_instances, bool resample_labels, bool weight_categories,
                         uint64_t seed, ItemNames names = {});

  int64_t batches_per_epoch() const;
  int64_t batch_size() const { return n_categories_ * n_labels_ * n_instances_; }
  std::vector<Batch> next_epoch();

 private:
  std::vector<int64_t> pick_categories();

  int64_t n_categories_;
  int64_t n_labels_;
  int64_t n_instances_;
  bool weight_categories_;
  int64_t num_labels_ = 0;
  std::vector<std::string> categories_;                   // sorted
  std::vector<std::vector<int64_t>> labels_of_category_;  // parallel to categories_, sorted labels
  std::map<int64_t, std::vector<int64_t>> items_of_label_;
  SplitMix64 rng_;
};

}  // namespace oml
