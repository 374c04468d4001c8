#include "oml/serve/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace oml::serve {
namespace {

const std::vector<double>& latency_bounds() {
  static const std::vector<double> bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return bounds;
}

std::string with_le(const std::string& labels, const std::string& le) {
  return "{" + labels + (labels.empty() ? "" : ",") + "le=\"" + le + "\"}";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  ++counts_[static_cast<size_t>(it - bounds_.begin())];
  sum_ += value;
  ++count_;
}

void Histogram::render(const std::string& name, const std::string& labels, std::string& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{} {}\n", name, with_le(labels, fmt::format("{}", bounds_[i])), cumulative);
  }
  out += fmt::format("{}_bucket{} {}\n", name, with_le(labels, "+Inf"), count_);
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, sum_, name, braces, count_);
}

void Metrics::record_request(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, status}];
  latency_.try_emplace(route, latency_bounds()).first->second.observe(seconds);
}

void Metrics::record_batch(int64_t images, int64_t searches) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (images > 0) batch_images_.observe(static_cast<double>(images));
  if (searches > 0) batch_searches_.observe(static_cast<double>(searches));
}

std::string Metrics::render(int64_t gallery_size) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  out += "# HELP oml_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE oml_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += fmt::format("oml_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, count);
  }
  out += "# HELP oml_request_duration_seconds Time from request to reply, by route.\n";
  out += "# TYPE oml_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    histogram.render("oml_request_duration_seconds", fmt::format("route=\"{}\"", route), out);
  }
  out += "# HELP oml_batch_images Images per extractor forward pass (dynamic batching).\n";
  out += "# TYPE oml_batch_images histogram\n";
  batch_images_.render("oml_batch_images", "", out);
  out += "# HELP oml_batch_searches Queries searched and re-ranked together per batch.\n";
  out += "# TYPE oml_batch_searches histogram\n";
  batch_searches_.render("oml_batch_searches", "", out);
  out += "# HELP oml_gallery_size Searchable gallery items.\n# TYPE oml_gallery_size gauge\n";
  out += fmt::format("oml_gallery_size {}\n", gallery_size);
  return out;
}

}  // namespace oml::serve
