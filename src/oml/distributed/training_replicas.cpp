#include "oml/distributed/training_replicas.h"

#include <stdexcept>
#include <vector>

namespace oml::distributed {
namespace {

float* float_data(const torch::Tensor& t) {
  if (t.scalar_type() != torch::kFloat32 || !t.is_contiguous()) {
    throw std::logic_error("training replicas: expected contiguous float32 tensors");
  }
  return t.data_ptr<float>();
}

class GlooReplicas final : public training::Replicas {
 public:
  explicit GlooReplicas(ProcessGroup& group) : group_(group) {}

  int rank() const override { return group_.rank(); }
  int size() const override { return group_.world_size(); }

  void broadcast_from_root(const std::vector<torch::Tensor>& tensors) override {
    for (const auto& t : tensors) group_.broadcast(float_data(t), static_cast<size_t>(t.numel()), 0);
  }

  void all_reduce_sum(const std::vector<torch::Tensor>& tensors) override {
    for (const auto& t : tensors) group_.all_reduce_sum(float_data(t), static_cast<size_t>(t.numel()));
  }

  torch::Tensor all_gather_rows(const torch::Tensor& local) override {
    const torch::Tensor rows = local.to(torch::kFloat32).contiguous();
    const int64_t width = rows.dim() > 1 ? rows.size(1) : 1;
    const float* data = rows.data_ptr<float>();
    const auto gathered = group_.all_gather(std::vector<float>(data, data + rows.numel()));
    std::vector<float> all;
    for (const auto& part : gathered) all.insert(all.end(), part.begin(), part.end());
    const auto count = static_cast<int64_t>(all.size()) / width;
    return torch::from_blob(all.data(), {count, width}, torch::kFloat32).clone();
  }

  void barrier() override { group_.barrier(); }

 private:
  ProcessGroup& group_;
};

}  // namespace

std::unique_ptr<training::Replicas> make_training_replicas(ProcessGroup& group) {
  return std::make_unique<GlooReplicas>(group);
}

}  // namespace oml::distributed
