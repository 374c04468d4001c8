#include "oml/metrics/fnmr_at_fmr.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <tuple>

namespace oml {
namespace {

constexpr int kBucketBits = 16;
constexpr size_t kBuckets = size_t{1} << kBucketBits;

uint32_t float_bits(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

float bits_to_float(uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// Position of order statistic `rank` (0-based) in a histogram: bucket and rank inside it.
std::pair<uint32_t, uint64_t> locate(const std::vector<uint64_t>& histogram, uint64_t rank) {
  uint64_t before = 0;
  for (size_t b = 0; b < histogram.size(); ++b) {
    if (rank < before + histogram[b]) return {static_cast<uint32_t>(b), rank - before};
    before += histogram[b];
  }
  return {static_cast<uint32_t>(histogram.size() - 1), 0};  // unreachable for rank < total
}

uint64_t count_at_or_above(const std::vector<float>& pos, double threshold) {
  uint64_t at_or_above = 0;
  for (float p : pos) at_or_above += static_cast<double>(p) >= threshold ? 1 : 0;
  return at_or_above;
}

double fnmr_for_threshold(const std::vector<float>& pos, double threshold) {
  return static_cast<double>(count_at_or_above(pos, threshold)) / static_cast<double>(pos.size());
}

struct OrderStatistic {
  int group;
  uint64_t rank;
  uint32_t bucket = 0;
  uint64_t rank_in_bucket = 0;
  float value = 0.0f;
};

}  // namespace

double linear_quantile_between(double x_lo, double x_hi, double t) {
  const double diff = x_hi - x_lo;
  return t >= 0.5 ? x_hi - diff * (1.0 - t) : x_lo + diff * t;
}

std::vector<std::optional<double>> fnmr_at_fmr(const std::vector<float>& pos, const std::vector<float>& neg,
                                               const std::vector<double>& fmrs) {
  std::vector<std::optional<double>> out(fmrs.size());
  if (pos.empty() || neg.empty()) return out;
  std::vector<float> sorted = neg;
  std::sort(sorted.begin(), sorted.end());
  const auto n = static_cast<int64_t>(sorted.size());
  for (size_t i = 0; i < fmrs.size(); ++i) {
    const double h = static_cast<double>(n - 1) * fmrs[i];
    const auto lo = static_cast<int64_t>(std::floor(h));
    const int64_t hi = std::min(lo + 1, n - 1);
    const double threshold = linear_quantile_between(
        sorted[static_cast<size_t>(lo)], sorted[static_cast<size_t>(hi)], h - static_cast<double>(lo));
    out[i] = fnmr_for_threshold(pos, threshold);
  }
  return out;
}

std::vector<std::vector<std::optional<double>>> streaming_fnmr_at_fmr(
    const Matrix& queries, const Matrix& galleries, const RetrievalProblem& problem,
    const std::vector<double>& fmrs, bool per_category, const TileOptions& tiles) {
  const DistanceTileSource euclidean = [&](const TileVisitor& visit, const TileOptions& options) {
    for_each_distance_tile(queries, galleries, visit, options);
  };
  return streaming_fnmr_at_fmr(euclidean, problem, fmrs, per_category, tiles);
}

std::vector<std::vector<std::optional<double>>> streaming_fnmr_at_fmr(
    const DistanceTileSource& source, const RetrievalProblem& problem, const std::vector<double>& fmrs,
    bool per_category, const TileOptions& tiles, const CountReduction& reduce_counts) {
  const auto reduce = [&](std::vector<uint64_t>& counts) {
    if (reduce_counts) reduce_counts(counts);
  };
  const int num_groups = 1 + (per_category ? static_cast<int>(problem.category_names.size()) : 0);
  const int workers = resolve_threads(tiles.threads);
  TileOptions options = tiles;
  options.threads = workers;
  auto group_of = [&](int64_t q) {
    const int32_t c = problem.query_categories[static_cast<size_t>(q)];
    return per_category && c >= 0 ? 1 + c : 0;
  };

  // Pass 1: negatives into per-worker high-bit histograms, positives kept per query.
  std::vector<std::vector<uint64_t>> high(static_cast<size_t>(workers * num_groups));
  for (auto& h : high) h.assign(kBuckets, 0);
  std::vector<std::vector<float>> positives(static_cast<size_t>(problem.num_queries()));
  source(
      [&](const DistanceTile& tile) {
        for (int64_t q = tile.q_begin; q < tile.q_end; ++q) {
          const int group = group_of(q);
          uint64_t* overall = high[static_cast<size_t>(tile.worker * num_groups)].data();
          uint64_t* own =
              group > 0 ? high[static_cast<size_t>(tile.worker * num_groups + group)].data() : nullptr;
          const float* d = tile.row(q);
          const int64_t label = problem.query_labels[static_cast<size_t>(q)];
          for (int64_t g = tile.g_begin; g < tile.g_end; ++g) {
            if (problem.is_ignored(q, g)) continue;
            const float distance = d[g - tile.g_begin];
            if (problem.gallery_labels[static_cast<size_t>(g)] == label) {
              positives[static_cast<size_t>(q)].push_back(distance);
            } else {
              const uint32_t bucket = float_bits(distance) >> kBucketBits;
              ++overall[bucket];
              if (own) ++own[bucket];
            }
          }
        }
      },
      options);
  std::vector<std::vector<uint64_t>> merged(static_cast<size_t>(num_groups),
                                            std::vector<uint64_t>(kBuckets, 0));
  for (int w = 0; w < workers; ++w) {
    for (int g = 0; g < num_groups; ++g) {
      const auto& src = high[static_cast<size_t>(w * num_groups + g)];
      auto& dst = merged[static_cast<size_t>(g)];
      for (size_t b = 0; b < kBuckets; ++b) dst[b] += src[b];
    }
  }
  high.clear();
  high.shrink_to_fit();
  for (auto& histogram : merged) reduce(histogram);

  // The order statistics every (group, fmr) needs.
  std::vector<uint64_t> negatives(static_cast<size_t>(num_groups), 0);
  for (int g = 0; g < num_groups; ++g) {
    for (uint64_t c : merged[static_cast<size_t>(g)]) negatives[static_cast<size_t>(g)] += c;
  }
  std::vector<OrderStatistic> stats;
  std::map<std::pair<int, uint64_t>, size_t> stat_index;  // (group, rank) -> stats position
  auto need = [&](int group, uint64_t rank) {
    const auto key = std::make_pair(group, rank);
    if (stat_index.count(key)) return;
    OrderStatistic s{group, rank};
    std::tie(s.bucket, s.rank_in_bucket) = locate(merged[static_cast<size_t>(group)], rank);
    stat_index[key] = stats.size();
    stats.push_back(s);
  };
  for (int g = 0; g < num_groups; ++g) {
    const uint64_t n = negatives[static_cast<size_t>(g)];
    if (n == 0) continue;
    for (double f : fmrs) {
      const auto lo = static_cast<uint64_t>(std::floor(static_cast<double>(n - 1) * f));
      need(g, lo);
      need(g, std::min(lo + 1, n - 1));
    }
  }

  // Pass 2: low-bit histograms of the negatives inside each needed bucket.
  if (!stats.empty()) {
    // Per group, the distinct buckets to resolve and their slot in the low histograms.
    std::vector<std::map<uint32_t, size_t>> slots(static_cast<size_t>(num_groups));
    size_t num_slots = 0;
    for (const OrderStatistic& s : stats) {
      auto& group_slots = slots[static_cast<size_t>(s.group)];
      if (!group_slots.count(s.bucket)) group_slots[s.bucket] = num_slots++;
    }
    std::vector<std::vector<uint64_t>> low(static_cast<size_t>(workers) * num_slots,
                                           std::vector<uint64_t>(kBuckets, 0));
    std::vector<uint32_t> slot_bucket(num_slots);
    std::vector<int> slot_group(num_slots);
    for (int g = 0; g < num_groups; ++g) {
      for (const auto& [bucket, slot] : slots[static_cast<size_t>(g)]) {
        slot_bucket[slot] = bucket;
        slot_group[slot] = g;
      }
    }
    source(
        [&](const DistanceTile& tile) {
          for (int64_t q = tile.q_begin; q < tile.q_end; ++q) {
            const int group = group_of(q);
            const float* d = tile.row(q);
            const int64_t label = problem.query_labels[static_cast<size_t>(q)];
            for (int64_t g = tile.g_begin; g < tile.g_end; ++g) {
              if (problem.gallery_labels[static_cast<size_t>(g)] == label || problem.is_ignored(q, g))
                continue;
              const uint32_t bits = float_bits(d[g - tile.g_begin]);
              const uint32_t bucket = bits >> kBucketBits;
              for (size_t slot = 0; slot < num_slots; ++slot) {
                if (slot_bucket[slot] != bucket || (slot_group[slot] != 0 && slot_group[slot] != group))
                  continue;
                ++low[static_cast<size_t>(tile.worker) * num_slots + slot][bits & (kBuckets - 1)];
              }
            }
          }
        },
        options);
    for (OrderStatistic& s : stats) {
      const size_t slot = slots[static_cast<size_t>(s.group)][s.bucket];
      std::vector<uint64_t> counts(kBuckets, 0);
      for (int w = 0; w < workers; ++w) {
        const auto& src = low[static_cast<size_t>(w) * num_slots + slot];
        for (size_t b = 0; b < kBuckets; ++b) counts[b] += src[b];
      }
      reduce(counts);
      const uint32_t low_bits = locate(counts, s.rank_in_bucket).first;
      s.value = bits_to_float((s.bucket << kBucketBits) | low_bits);
    }
  }

  // Thresholds, then the share of positives at or above them.
  std::vector<std::vector<float>> group_positives(static_cast<size_t>(num_groups));
  for (int64_t q = 0; q < problem.num_queries(); ++q) {
    const auto& p = positives[static_cast<size_t>(q)];
    group_positives[0].insert(group_positives[0].end(), p.begin(), p.end());
    const int group = group_of(q);
    if (group > 0) {
      auto& dst = group_positives[static_cast<size_t>(group)];
      dst.insert(dst.end(), p.begin(), p.end());
    }
  }
  // Per group: [#positives, #positives at or above the threshold of each fmr] (counts, so parts of
  // the gallery can be summed).
  const size_t per_group = 1 + fmrs.size();
  std::vector<uint64_t> positive_counts(static_cast<size_t>(num_groups) * per_group, 0);
  for (int g = 0; g < num_groups; ++g) {
    const uint64_t n = negatives[static_cast<size_t>(g)];
    const auto& pos = group_positives[static_cast<size_t>(g)];
    uint64_t* counts = positive_counts.data() + static_cast<size_t>(g) * per_group;
    counts[0] = pos.size();
    if (n == 0) continue;
    for (size_t i = 0; i < fmrs.size(); ++i) {
      const double h = static_cast<double>(n - 1) * fmrs[i];
      const auto lo = static_cast<uint64_t>(std::floor(h));
      const uint64_t hi = std::min(lo + 1, n - 1);
      const float x_lo = stats[stat_index.at({g, lo})].value;
      const float x_hi = stats[stat_index.at({g, hi})].value;
      const double threshold = linear_quantile_between(x_lo, x_hi, h - static_cast<double>(lo));
      counts[1 + i] = count_at_or_above(pos, threshold);
    }
  }
  reduce(positive_counts);
  std::vector<std::vector<std::optional<double>>> out(static_cast<size_t>(num_groups),
                                                      std::vector<std::optional<double>>(fmrs.size()));
  for (int g = 0; g < num_groups; ++g) {
    const uint64_t* counts = positive_counts.data() + static_cast<size_t>(g) * per_group;
    if (negatives[static_cast<size_t>(g)] == 0 || counts[0] == 0) continue;
    for (size_t i = 0; i < fmrs.size(); ++i) {
      out[static_cast<size_t>(g)][i] = static_cast<double>(counts[1 + i]) / static_cast<double>(counts[0]);
    }
  }
  return out;
}

}  // namespace oml
