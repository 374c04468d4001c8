#include "oml/distributed/process_group.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "oml/common/errors.h"
#include "oml/distributed/job_failures.h"

namespace oml::distributed {
namespace {

// Keys of this job live under their own prefix, apart from whatever else uses the store.
constexpr char kStorePrefix[] = "oml";

c10::intrusive_ptr<c10d::Store> join_store(const LaunchEnvironment& env) {
  c10d::TCPStoreOptions options;
  options.port = env.master_port;
  options.timeout = env.timeout;
  if (env.use_agent_store) {
    // The torchrun agent serves this store; its workers are clients under the attempt's prefix
    // (what torch.distributed's env:// rendezvous does with TORCHELASTIC_USE_AGENT_STORE=True).
    options.isServer = false;
    auto store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    return c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(env.restart_count),
                                                  store);
  }
  // c10d rendezvous (--standalone, --rdzv_backend=c10d): MASTER_PORT was chosen free for the
  // workers and rank 0 serves the store, as env:// does.
  options.isServer = env.rank == 0;
  options.numWorkers = static_cast<size_t>(env.world_size);
  options.waitWorkers = true;
  options.multiTenant = true;
  return c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
}

std::shared_ptr<::gloo::transport::Device> make_device() {
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  if (interface && *interface) return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

template <typename T>
at::ScalarType dtype_of();
template <>
at::ScalarType dtype_of<float>() {
  return at::kFloat;
}
template <>
at::ScalarType dtype_of<int64_t>() {
  return at::kLong;
}

}  // namespace

struct ProcessGroup::Impl {
  LaunchEnvironment env;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;

  // Gloo throws when a peer vanished or the group's timeout passed; JobError says which.
  void wait(const c10::intrusive_ptr<c10d::Work>& work) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw JobError(explain_collective_failure(env, *store, e.what()));
    }
  }

  std::vector<int64_t> lengths(int64_t local) {
    std::vector<at::Tensor> input{at::full({1}, local, at::kLong)};
    std::vector<std::vector<at::Tensor>> output(1);
    for (int r = 0; r < gloo->getSize(); ++r) output[0].push_back(at::empty({1}, at::kLong));
    wait(gloo->allgather(output, input));
    std::vector<int64_t> out;
    for (const at::Tensor& t : output[0]) out.push_back(t.item<int64_t>());
    return out;
  }

  // Copies `local` into a zero-padded tensor of `length` elements.
  template <typename T>
  static at::Tensor padded(const std::vector<T>& local, int64_t length) {
    at::Tensor t = at::zeros({std::max<int64_t>(length, 1)}, dtype_of<T>());
    if (!local.empty()) std::memcpy(t.data_ptr(), local.data(), local.size() * sizeof(T));
    return t;
  }

  template <typename T>
  static std::vector<T> trimmed(const at::Tensor& t, int64_t length) {
    const T* data = static_cast<const T*>(t.data_ptr());
    return std::vector<T>(data, data + length);
  }

  // Gloo's allgather wants equal sizes: exchange the lengths, pad to the longest, trim.
  template <typename T>
  std::vector<std::vector<T>> all_gather(const std::vector<T>& local) {
    const std::vector<int64_t> sizes = lengths(static_cast<int64_t>(local.size()));
    const int64_t longest = *std::max_element(sizes.begin(), sizes.end());
    std::vector<at::Tensor> input{padded(local, longest)};
    std::vector<std::vector<at::Tensor>> output(1);
    for (size_t r = 0; r < sizes.size(); ++r) output[0].push_back(at::empty_like(input[0]));
    wait(gloo->allgather(output, input));
    std::vector<std::vector<T>> out;
    for (size_t r = 0; r < sizes.size(); ++r) out.push_back(trimmed<T>(output[0][r], sizes[r]));
    return out;
  }

  template <typename T>
  std::vector<std::vector<T>> gather(const std::vector<T>& local, int root) {
    const std::vector<int64_t> sizes = lengths(static_cast<int64_t>(local.size()));
    const int64_t longest = *std::max_element(sizes.begin(), sizes.end());
    std::vector<at::Tensor> input{padded(local, longest)};
    // Gloo: one output list on the root, none elsewhere.
    std::vector<std::vector<at::Tensor>> output;
    if (gloo->getRank() == root) {
      output.resize(1);
      for (size_t r = 0; r < sizes.size(); ++r) output[0].push_back(at::empty_like(input[0]));
    }
    c10d::GatherOptions options;
    options.rootRank = root;
    wait(gloo->gather(output, input, options));
    std::vector<std::vector<T>> out;
    if (gloo->getRank() == root) {
      for (size_t r = 0; r < sizes.size(); ++r) out.push_back(trimmed<T>(output[0][r], sizes[r]));
    }
    return out;
  }

  template <typename T>
  void all_reduce_sum(T* values, size_t count) {
    if (count == 0) return;
    std::vector<at::Tensor> tensors{at::from_blob(values, {static_cast<int64_t>(count)}, dtype_of<T>())};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::SUM;
    wait(gloo->allreduce(tensors, options));
  }
};

ProcessGroup::ProcessGroup(const LaunchEnvironment& env)
    : impl_(std::make_unique<Impl>()), rank_(env.rank), world_size_(env.world_size) {
  impl_->env = env;
  try {
    impl_->store = c10::make_intrusive<c10d::PrefixStore>(kStorePrefix, join_store(env));
    auto options = c10d::ProcessGroupGloo::Options::create(env.timeout);
    options->devices.push_back(make_device());
    impl_->gloo =
        c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, env.rank, env.world_size, options);
  } catch (const std::exception& e) {
    throw JobError(explain_join_failure(env, e.what()));
  }
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::barrier() { impl_->wait(impl_->gloo->barrier()); }

std::vector<std::vector<float>> ProcessGroup::all_gather(const std::vector<float>& local) {
  return impl_->all_gather(local);
}

std::vector<std::vector<int64_t>> ProcessGroup::all_gather(const std::vector<int64_t>& local) {
  return impl_->all_gather(local);
}

std::vector<std::vector<float>> ProcessGroup::gather(const std::vector<float>& local, int root) {
  return impl_->gather(local, root);
}

std::vector<std::vector<int64_t>> ProcessGroup::gather(const std::vector<int64_t>& local, int root) {
  return impl_->gather(local, root);
}

void ProcessGroup::broadcast(std::vector<uint8_t>& bytes, int root) {
  std::vector<at::Tensor> size{at::full({1}, static_cast<int64_t>(bytes.size()), at::kLong)};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  impl_->wait(impl_->gloo->broadcast(size, options));
  bytes.resize(static_cast<size_t>(size[0].item<int64_t>()));
  if (bytes.empty()) return;
  std::vector<at::Tensor> data{at::from_blob(bytes.data(), {static_cast<int64_t>(bytes.size())}, at::kByte)};
  impl_->wait(impl_->gloo->broadcast(data, options));
}

void ProcessGroup::all_reduce_sum(std::vector<int64_t>& values) {
  impl_->all_reduce_sum(values.data(), values.size());
}

void ProcessGroup::all_reduce_sum(std::vector<uint64_t>& values) {
  static_assert(sizeof(uint64_t) == sizeof(int64_t));
  impl_->all_reduce_sum(reinterpret_cast<int64_t*>(values.data()), values.size());
}

void ProcessGroup::all_reduce_sum(float* values, size_t count) { impl_->all_reduce_sum(values, count); }

void ProcessGroup::broadcast(float* values, size_t count, int root) {
  if (count == 0) return;
  c10d::BroadcastOptions options;
  options.rootRank = root;
  std::vector<at::Tensor> data{at::from_blob(values, {static_cast<int64_t>(count)}, at::kFloat)};
  impl_->wait(impl_->gloo->broadcast(data, options));
}

std::unique_ptr<ProcessGroup> join_from_environment() {
  const std::optional<LaunchEnvironment> env = read_launch_environment(process_environment());
  if (!env) return nullptr;
  return std::make_unique<ProcessGroup>(*env);
}

}  // namespace oml::distributed
