#pragma once
// What GET /metrics reports, in Prometheus' text exposition format: requests by route and status,
// request latency and batch-size histograms, and the gallery size.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace oml::serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // `name{labels,le="..."}` lines, _sum and _count; `labels` is "" or `key="value"`.
  void render(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bound, not cumulative; the last one is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  void record_request(const std::string& route, int status, double seconds);
  void record_batch(int64_t images, int64_t searches);
  std::string render(int64_t gallery_size) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  Histogram batch_images_{{1, 2, 4, 8, 16, 32, 64, 128}};
  Histogram batch_searches_{{1, 2, 4, 8, 16, 32, 64, 128}};
};

}  // namespace oml::serve
