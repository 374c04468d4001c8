#include "oml/training/replicas.h"

#include <algorithm>

namespace oml::training {
namespace {

// Gradients are summed in flat buckets of at most this many floats (16 MiB): few collectives per
// step, and a bounded extra buffer, as the c10d Reducer's 25 MiB buckets do.
constexpr int64_t kBucketFloats = int64_t{4} << 20;

struct GatherRows : torch::autograd::Function<GatherRows> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& local,
                               int64_t first_row, Replicas* replicas) {
    ctx->saved_data["first_row"] = first_row;
    ctx->saved_data["rows"] = local.size(0);
    return replicas->all_gather_rows(local.detach().contiguous());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_output) {
    const int64_t first = ctx->saved_data["first_row"].toInt();
    const int64_t rows = ctx->saved_data["rows"].toInt();
    return {grad_output[0].slice(0, first, first + rows), torch::Tensor(), torch::Tensor()};
  }
};

void sum_bucket(Replicas& replicas, const std::vector<torch::Tensor>& grads) {
  if (grads.empty()) return;
  std::vector<torch::Tensor> flat;
  flat.reserve(grads.size());
  for (const auto& g : grads) flat.push_back(g.reshape({-1}));
  torch::Tensor bucket = torch::cat(flat);
  replicas.all_reduce_sum({bucket});
  int64_t offset = 0;
  for (const auto& g : grads) {
    const int64_t n = g.numel();
    g.copy_(bucket.slice(0, offset, offset + n).view_as(g));
    offset += n;
  }
}

}  // namespace

Share share_of(int64_t count, int rank, int size) {
  const int64_t base = count / size;
  const int64_t extra = count % size;
  Share share;
  share.begin = rank * base + std::min<int64_t>(rank, extra);
  share.end = share.begin + base + (rank < extra ? 1 : 0);
  return share;
}

torch::Tensor gather_rows_with_grad(Replicas& replicas, const torch::Tensor& local) {
  // This rank's first row in the gathered tensor: the rows of the ranks before it.
  const torch::Tensor counts =
      replicas.all_gather_rows(torch::full({1, 1}, static_cast<float>(local.size(0))));
  int64_t first_row = 0;
  for (int r = 0; r < replicas.rank(); ++r) first_row += static_cast<int64_t>(counts[r][0].item<float>());
  return GatherRows::apply(local, first_row, &replicas);
}

void sum_gradients(Replicas& replicas, const std::vector<torch::Tensor>& parameters,
                   const std::vector<torch::Tensor>& computed_whole) {
  torch::NoGradGuard no_grad;
  if (!replicas.is_root()) {
    for (const auto& p : computed_whole)
      if (p.grad().defined()) p.mutable_grad().zero_();
  }
  std::vector<torch::Tensor> bucket;
  int64_t floats = 0;
  for (const auto& p : parameters) {
    if (!p.requires_grad()) continue;
    // Every rank must send the same layout: a gradient this rank did not produce counts as zeros.
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    if (floats > 0 && floats + p.numel() > kBucketFloats) {
      sum_bucket(replicas, bucket);
      bucket.clear();
      floats = 0;
    }
    bucket.push_back(p.grad());
    floats += p.numel();
  }
  sum_bucket(replicas, bucket);
}

void broadcast_module(Replicas& replicas, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  for (const auto& p : module.parameters()) tensors.push_back(p);
  for (const auto& b : module.buffers()) tensors.push_back(b);
  for (auto& t : tensors) {
    // Buffers such as BatchNorm's num_batches_tracked are integers: sent as floats (exact below 2^24).
    torch::Tensor sent = t.to(torch::kFloat32).contiguous();
    replicas.broadcast_from_root({sent});
    t.copy_(sent);
  }
}

}  // namespace oml::training
