#include "oml/data/samplers.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "oml/common/errors.h"

namespace oml {
namespace {

constexpr size_t kListedItems = 5;

std::map<int64_t, std::vector<int64_t>> group_by_label(const std::vector<int64_t>& labels) {
  std::map<int64_t, std::vector<int64_t>> groups;
  for (size_t i = 0; i < labels.size(); ++i) groups[labels[i]].push_back(static_cast<int64_t>(i));
  return groups;
}

std::string list_items(const std::vector<int64_t>& items, const ItemNames& names) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < items.size() && i < kListedItems; ++i) shown.push_back(names.name(items[i]));
  return fmt::format("{}{}", fmt::join(shown, ", "), items.size() > kListedItems ? ", ..." : "");
}

// OML asserts every label has at least 2 samples ("Each label should contain at least 2 samples").
void require_two_items_per_label(const std::map<int64_t, std::vector<int64_t>>& groups,
                                 const ItemNames& names) {
  for (const auto& [label, items] : groups) {
    if (items.size() < 2) {
      throw InputError(fmt::format("label {} has {} {}{} ({}); each label needs at least 2", label,
                                   items.size(), names.noun, items.size() == 1 ? "" : "s",
                                   list_items(items, names)));
    }
  }
}

void require_counts(int64_t n_labels, int64_t n_instances, int64_t num_labels, const ItemNames& names) {
  if (n_labels <= 1) throw InputError(fmt::format("n_labels must be > 1, got {}", n_labels));
  if (n_labels > num_labels) {
    throw InputError(fmt::format("n_labels = {} exceeds the number of distinct labels among the {}s ({})",
                                 n_labels, names.noun, num_labels));
  }
  if (n_instances <= 1) throw InputError(fmt::format("n_instances must be > 1, got {}", n_instances));
}

}  // namespace

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t bound) {
  // Reject the top partial copy of [0, bound) so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value = next();
  while (value >= limit) value = next();
  return value % bound;
}

double SplitMix64::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::string ItemNames::name(int64_t item) const { return where ? where(item) : fmt::format("item {}", item); }

std::vector<int64_t> smart_sample(const std::vector<int64_t>& items, int64_t k, SplitMix64& rng) {
  std::vector<int64_t> shuffled = items;
  shuffle_in_place(shuffled, rng);
  const auto count = static_cast<int64_t>(items.size());
  if (count >= k) {
    shuffled.resize(static_cast<size_t>(k));
    return shuffled;
  }
  // Too few: every item once, then draws with replacement (duplicates in the batch).
  for (int64_t i = count; i < k; ++i) shuffled.push_back(items[static_cast<size_t>(rng.below(items.size()))]);
  return shuffled;
}

BalanceSampler::BalanceSampler(const std::vector<int64_t>& labels, int64_t n_labels, int64_t n_instances,
                               uint64_t seed, ItemNames names)
    : n_labels_(n_labels), n_instances_(n_instances), items_of_label_(group_by_label(labels)), rng_(seed) {
  require_counts(n_labels, n_instances, static_cast<int64_t>(items_of_label_.size()), names);
  require_two_items_per_label(items_of_label_, names);
  for (const auto& entry : items_of_label_) labels_sorted_.push_back(entry.first);
}

std::vector<Batch> BalanceSampler::next_epoch() {
  std::vector<int64_t> order = labels_sorted_;
  shuffle_in_place(order, rng_);
  std::vector<Batch> batches(static_cast<size_t>(batches_per_epoch()));
  for (size_t b = 0; b < batches.size(); ++b) {
    for (int64_t l = 0; l < n_labels_; ++l) {
      const int64_t label = order[b * static_cast<size_t>(n_labels_) + static_cast<size_t>(l)];
      const auto picked = smart_sample(items_of_label_.at(label), n_instances_, rng_);
      batches[b].insert(batches[b].end(), picked.begin(), picked.end());
    }
  }
  return batches;
}

CategoryBalanceSampler::CategoryBalanceSampler(const std::vector<int64_t>& labels,
                                               const std::map<int64_t, std::string>& label2category,
                                               int64_t n_categories, int64_t n_labels, int64_t n_instances,
                                               bool resample_labels, bool weight_categories, uint64_t seed,
                                               ItemNames names)
    : n_categories_(n_categories),
      n_labels_(n_labels),
      n_instances_(n_instances),
      weight_categories_(weight_categories),
      items_of_label_(group_by_label(labels)),
      rng_(seed) {
  num_labels_ = static_cast<int64_t>(items_of_label_.size());
  for (const auto& entry : items_of_label_) {
    if (!label2category.count(entry.first)) {
      throw InputError(
          fmt::format("label {} ({}) has no category", entry.first, list_items(entry.second, names)));
    }
  }
  std::map<std::string, std::vector<int64_t>> by_category;
  for (const auto& [label, category] : label2category) {
    if (!items_of_label_.count(label)) {
      throw InputError(
          fmt::format("category '{}' names label {}, which has no {}", category, label, names.noun));
    }
    by_category[category].push_back(label);
  }
  const auto num_categories = static_cast<int64_t>(by_category.size());
  if (n_categories < 1 || n_categories > num_categories) {
    throw InputError(fmt::format("n_categories must be in [1, {}] (the number of categories), got {}",
                                 num_categories, n_categories));
  }
  require_counts(n_labels, n_instances, num_labels_, names);
  require_two_items_per_label(items_of_label_, names);
  for (auto& [category, category_labels] : by_category) {
    if (!resample_labels && static_cast<int64_t>(category_labels.size()) < n_labels) {
      throw InputError(
          fmt::format("All the categories must have at least {} unique labels: category '{}' has {}",
                      n_labels, category, category_labels.size()));
    }
    categories_.push_back(category);
    labels_of_category_.push_back(category_labels);
  }
}

int64_t CategoryBalanceSampler::batches_per_epoch() const {
  return (num_labels_ + n_labels_ - 1) / n_labels_;
}

std::vector<int64_t> CategoryBalanceSampler::pick_categories() {
  // Sequential draws without replacement, each proportional to the remaining weights (NumPy's
  // choice(replace=False, p=...) semantics); integer weights keep the draw exact.
  std::vector<int64_t> remaining(categories_.size());
  for (size_t c = 0; c < remaining.size(); ++c) remaining[c] = static_cast<int64_t>(c);
  std::vector<int64_t> picked;
  for (int64_t n = 0; n < n_categories_; ++n) {
    uint64_t total = 0;
    for (const int64_t c : remaining) total += weight_categories_ ? labels_of_category_[c].size() : 1;
    uint64_t ticket = rng_.below(total);
    size_t chosen = 0;
    for (; chosen < remaining.size(); ++chosen) {
      const uint64_t weight = weight_categories_ ? labels_of_category_[remaining[chosen]].size() : 1;
      if (ticket < weight) break;
      ticket -= weight;
    }
    picked.push_back(remaining[chosen]);
    remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(chosen));
  }
  return picked;
}

std::vector<Batch> CategoryBalanceSampler::next_epoch() {
  std::vector<Batch> batches(static_cast<size_t>(batches_per_epoch()));
  for (auto& batch : batches) {
    for (const int64_t category : pick_categories()) {
      for (const int64_t label : smart_sample(labels_of_category_[category], n_labels_, rng_)) {
        const auto picked = smart_sample(items_of_label_.at(label), n_instances_, rng_);
        batch.insert(batch.end(), picked.begin(), picked.end());
      }
    }
  }
  return batches;
}

}  // namespace oml
