#include "oml/models/bf16_matmul.h"

#include <ATen/Parallel.h>
#include <omp.h>

#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>
#include <tuple>

namespace oml {
namespace {

using Key = std::tuple<char, char, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;

struct Engine {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  std::mutex mutex;
  std::map<Key, dnnl::matmul> primitives;
};

Engine& shared_engine() {
  static Engine engine;
  return engine;
}

// A row-major [rows, cols] operand stored as written ('N') or as its transpose ('T').
dnnl::memory::desc operand(char trans, int64_t rows, int64_t cols, int64_t ld, dnnl::memory::data_type type) {
  const dnnl::memory::dims strides = trans == 'T' ? dnnl::memory::dims{1, ld} : dnnl::memory::dims{ld, 1};
  return dnnl::memory::desc({rows, cols}, type, strides);
}

}  // namespace

bool cpu_has_native_bf16() {
  static const bool native = [] {
    const auto isa = dnnl::get_effective_cpu_isa();
    return isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
  }();
  return native;
}

void dnnl_matmul_bf16(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const c10::BFloat16* a,
                      int64_t lda, const c10::BFloat16* b, int64_t ldb, float* c, int64_t ldc) {
  using dt = dnnl::memory::data_type;
  Engine& shared = shared_engine();
  const auto a_desc = operand(trans_a, m, k, lda, dt::bf16);
  const auto b_desc = operand(trans_b, k, n, ldb, dt::bf16);
  const auto c_desc = operand('N', m, n, ldc, dt::f32);
  dnnl::matmul primitive;
  {
    const std::lock_guard<std::mutex> lock(shared.mutex);
    auto& cached = shared.primitives[Key{trans_a, trans_b, m, n, k, lda, ldb, ldc}];
    if (!cached) {
      try {
        cached = dnnl::matmul(
            dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_desc, b_desc, c_desc), shared.engine));
      } catch (const dnnl::error& e) {
        shared.primitives.erase(Key{trans_a, trans_b, m, n, k, lda, ldb, ldc});
        throw std::runtime_error(std::string("oneDNN bf16 matmul unavailable: ") + e.what());
      }
    }
    primitive = cached;
  }
  // oneDNN's OpenMP kernels take the calling thread's OpenMP setting; keep it at libtorch's.
  const int threads = at::get_num_threads();
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  dnnl::memory a_mem(a_desc, shared.engine, const_cast<c10::BFloat16*>(a));
  dnnl::memory b_mem(b_desc, shared.engine, const_cast<c10::BFloat16*>(b));
  dnnl::memory c_mem(c_desc, shared.engine, c);
  // A stream per thread: oneDNN streams are not meant to be shared between threads.
  thread_local dnnl::stream stream(shared.engine);
  primitive.execute(stream, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
  stream.wait();
}

}  // namespace oml
