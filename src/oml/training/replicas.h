#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

// The processes of a data-parallel training run, as the trainers see them: every process holds the
// whole model, works on its share of each global batch, and the shares' gradients are summed so that
// each step applies the gradient one process would have computed on the whole batch. The trainers
// only see this interface; its implementation lives above the stages (distributed/, c10d + Gloo).
// A trainer given no Replicas runs alone, exactly as before.
namespace oml::training {

class Replicas {
 public:
  virtual ~Replicas() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }

  // Overwrites every rank's tensors (float32, contiguous) with rank 0's, in place.
  virtual void broadcast_from_root(const std::vector<torch::Tensor>& tensors) = 0;
  // Element-wise sum over the ranks, in place (float32, contiguous; same shapes on every rank).
  virtual void all_reduce_sum(const std::vector<torch::Tensor>& tensors) = 0;
  // Every rank's rows (float32 [n_r, D]) stacked in rank order; n_r may differ between ranks.
  virtual torch::Tensor all_gather_rows(const torch::Tensor& local) = 0;
  virtual void barrier() = 0;
};

// The contiguous share [begin, end) of `count` items that `rank` of `size` works on: the first
// count % size ranks take one item more.
struct Share {
  int64_t begin = 0;
  int64_t end = 0;
};
Share share_of(int64_t count, int rank, int size);

// Rows gathered from every rank with autograd: forward stacks each rank's rows in rank order;
// backward hands this rank back the gradient of its own rows. Every rank then computes the same
// loss on the whole batch, and the sum over ranks of each rank's parameter gradient is the
// gradient of that loss (what Replicas::all_reduce_sum completes).
torch::Tensor gather_rows_with_grad(Replicas& replicas, const torch::Tensor& local);

// After backward: sums every parameter's gradient over the ranks (a missing gradient counts as
// zeros), so that each rank holds the whole batch's gradient. `computed_whole` (a subset of
// `parameters`) are those used after gather_rows_with_grad, e.g. a classification head: every rank
// already computed their gradient on the whole batch, so only rank 0's enters the sum.
void sum_gradients(Replicas& replicas, const std::vector<torch::Tensor>& parameters,
                   const std::vector<torch::Tensor>& computed_whole = {});

// Before training: every rank starts from rank 0's parameters and buffers.
void broadcast_module(Replicas& replicas, torch::nn::Module& module);

}  // namespace oml::training
