#include "oml/models/batched_matmul.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

namespace oml {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// One GEMM operand per batch: op(X) = X ('N') or X^T ('T') of a row-major matrix with leading
// dimension ld, at base + offsets[i] for batch i.
struct Operand {
  torch::Tensor storage;  // keeps a copy alive when one was needed
  const float* base = nullptr;
  std::vector<int64_t> offsets;
  char trans = 'N';
  int64_t ld = 1;
};

std::vector<int64_t> batch_offsets(const torch::Tensor& t) {
  const int64_t dims = t.dim() - 2;
  std::vector<int64_t> offsets{0};
  for (int64_t d = 0; d < dims; ++d) {
    std::vector<int64_t> next;
    next.reserve(offsets.size() * static_cast<size_t>(t.size(d)));
    for (const int64_t offset : offsets) {
      for (int64_t i = 0; i < t.size(d); ++i) next.push_back(offset + i * t.stride(d));
    }
    offsets = std::move(next);
  }
  return offsets;
}

// t is [..., rows, cols]; used in place when rows or columns are adjacent in memory.
Operand describe(const torch::Tensor& t) {
  const int64_t rows = t.size(-2);
  const int64_t cols = t.size(-1);
  Operand op;
  op.storage = t;
  const bool row_major = (cols == 1 || t.stride(-1) == 1) && (rows == 1 || t.stride(-2) >= cols);
  const bool column_major = (rows == 1 || t.stride(-2) == 1) && (cols == 1 || t.stride(-1) >= rows);
  if (row_major) {
    op.ld = rows == 1 ? std::max<int64_t>(cols, 1) : t.stride(-2);
  } else if (column_major) {
    op.trans = 'T';
    op.ld = cols == 1 ? std::max<int64_t>(rows, 1) : t.stride(-1);
  } else {
    op.storage = t.contiguous();
    op.ld = std::max<int64_t>(cols, 1);
  }
  op.base = op.storage.data_ptr<float>();
  op.offsets = batch_offsets(op.storage);
  return op;
}

// The transpose of an operand reads the same memory with the other flag.
Operand transposed(Operand op) {
  op.trans = op.trans == 'N' ? 'T' : 'N';
  return op;
}

// out[i] = alpha * op(A[i]) op(B[i]) for every batch i; out is a new contiguous [batch..., m, n].
torch::Tensor run(const Operand& a, const Operand& b, int64_t m, int64_t n, int64_t k, float alpha,
                  std::vector<int64_t> out_sizes) {
  torch::Tensor out = torch::empty(out_sizes, torch::kFloat);
  float* c = out.data_ptr<float>();
  const int64_t batches = static_cast<int64_t>(a.offsets.size());
  std::atomic<int> failure{static_cast<int>(dnnl_success)};
  // One GEMM per task; oneDNN runs each single-threaded inside libtorch's OpenMP region.
  at::parallel_for(0, batches, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const dnnl_status_t status =
          dnnl_sgemm(a.trans, b.trans, m, n, k, alpha, a.base + a.offsets[i], a.ld, b.base + b.offsets[i],
                     b.ld, 0.0f, c + i * m * n, std::max<int64_t>(n, 1));
      if (status != dnnl_success) failure.store(static_cast<int>(status));
    }
  });
  if (failure.load() != static_cast<int>(dnnl_success)) {
    throw std::runtime_error("oneDNN sgemm failed with status " + std::to_string(failure.load()));
  }
  return out;
}

std::vector<int64_t> with_matrix(const torch::Tensor& like, int64_t rows, int64_t cols) {
  std::vector<int64_t> sizes = like.sizes().vec();
  sizes[sizes.size() - 2] = rows;
  sizes.back() = cols;
  return sizes;
}

class BatchedMatmul : public torch::autograd::Function<BatchedMatmul> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b,
                               double alpha) {
    ctx->save_for_backward({a, b});
    ctx->saved_data["alpha"] = alpha;
    const int64_t m = a.size(-2);
    const int64_t k = a.size(-1);
    const int64_t n = b.size(-1);
    return run(describe(a), describe(b), m, n, k, static_cast<float>(alpha), with_matrix(a, m, n));
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& a = saved[0];
    const torch::Tensor& b = saved[1];
    const auto alpha = static_cast<float>(ctx->saved_data["alpha"].toDouble());
    const int64_t m = a.size(-2);
    const int64_t k = a.size(-1);
    const int64_t n = b.size(-1);
    const Operand grad = describe(grad_outputs[0]);
    torch::Tensor grad_a;
    torch::Tensor grad_b;
    // grad_a = alpha grad b^T ([m, n] x [n, k]); grad_b = alpha a^T grad ([k, m] x [m, n]).
    if (ctx->needs_input_grad(0))
      grad_a = run(grad, transposed(describe(b)), m, k, n, alpha, a.sizes().vec());
    if (ctx->needs_input_grad(1))
      grad_b = run(transposed(describe(a)), grad, k, n, m, alpha, b.sizes().vec());
    return {grad_a, grad_b, torch::Tensor()};
  }
};

bool supported(const torch::Tensor& a, const torch::Tensor& b) {
  const auto plain = [](const torch::Tensor& t) {
    return t.scalar_type() == torch::kFloat && t.device().is_cpu() && t.dim() >= 3 && t.numel() > 0;
  };
  if (!plain(a) || !plain(b) || a.dim() != b.dim() || a.size(-1) != b.size(-2)) return false;
  for (int64_t d = 0; d + 2 < a.dim(); ++d) {
    if (a.size(d) != b.size(d)) return false;
  }
  return true;
}

}  // namespace

torch::Tensor batched_matmul(const torch::Tensor& a, const torch::Tensor& b, double alpha) {
  if (!supported(a, b)) {
    const auto product = torch::matmul(a, b);
    return alpha == 1.0 ? product : product * alpha;
  }
  return BatchedMatmul::apply(a, b, alpha);
}

}  // namespace oml
