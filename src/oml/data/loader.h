#pragma once
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "oml/data/dataframe.h"  // BoundingBox
#include "oml/data/image.h"
#include "oml/data/transforms.h"

namespace oml {

// Runs producer(0), producer(1), ... producer(count - 1) on worker threads ahead of the consumer
// and hands the results out strictly in index order.
// - Bounded: at most `max_ahead` items are claimed but not yet delivered (in progress or waiting).
// - Errors: an exception from producer(i) is rethrown by the next() call that would return item
//   i, after items 0..i-1 were delivered; workers claim nothing past i. So with several failing
//   items the consumer always sees the lowest index, whatever the thread timing. Every later
//   next() rethrows the same exception.
// - The destructor stops the workers and joins them, also when the consumer stops early (a
//   producer call already running is finished, not interrupted).
// - num_threads == 0 runs the producer inline in next() (no threads), for debugging.
template <typename T>
class OrderedPrefetcher {
 public:
  using Producer = std::function<T(size_t index)>;

  OrderedPrefetcher(size_t count, Producer producer, size_t num_threads, size_t max_ahead)
      : count_(count), producer_(std::move(producer)), slots_(std::max<size_t>(max_ahead, 1)) {
    const size_t threads = std::min(num_threads, count);
    workers_.reserve(threads);
    for (size_t t = 0; t < threads; ++t) workers_.emplace_back([this] { work(); });
  }

  OrderedPrefetcher(const OrderedPrefetcher&) = delete;
  OrderedPrefetcher& operator=(const OrderedPrefetcher&) = delete;

  ~OrderedPrefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    room_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  // The next item in index order, or nullopt once all `count` items were delivered.
  std::optional<T> next() {
    if (workers_.empty()) return next_inline();
    std::unique_lock<std::mutex> lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
    if (next_to_deliver_ >= count_) return std::nullopt;
    Slot& slot = slots_[next_to_deliver_ % slots_.size()];
    ready_.wait(lock, [&] { return slot.filled; });
    if (slot.error) {
      failure_ = slot.error;
      std::rethrow_exception(failure_);
    }
    std::optional<T> item = std::move(slot.value);
    slot.value.reset();
    slot.filled = false;
    ++next_to_deliver_;
    lock.unlock();
    room_.notify_all();
    return item;
  }

  size_t size() const { return count_; }

 private:
  struct Slot {
    bool filled = false;
    std::optional<T> value;
    std::exception_ptr error;
  };

  std::optional<T> next_inline() {
    if (failure_) std::rethrow_exception(failure_);
    if (next_to_deliver_ >= count_) return std::nullopt;
    try {
      std::optional<T> item(producer_(next_to_deliver_));
      ++next_to_deliver_;
      return item;
    } catch (...) {
      failure_ = std::current_exception();
      throw;
    }
  }

  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      room_.wait(lock, [&] {
        return stopping_ || next_to_claim_ >= stop_claiming_at_ ||
               next_to_claim_ < next_to_deliver_ + slots_.size();
      });
      if (stopping_ || next_to_claim_ >= stop_claiming_at_) return;
      const size_t index = next_to_claim_++;
      lock.unlock();
      std::optional<T> value;
      std::exception_ptr error;
      try {
        value.emplace(producer_(index));
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      Slot& slot = slots_[index % slots_.size()];
      slot.value = std::move(value);
      slot.error = error;
      slot.filled = true;
      if (error) stop_claiming_at_ = std::min(stop_claiming_at_, index + 1);
      ready_.notify_all();
      if (error) room_.notify_all();
    }
  }

  const size_t count_;
  Producer producer_;
  std::mutex mutex_;
  std::condition_variable ready_;  // a slot was filled
  std::condition_variable room_;   // a slot was freed, or stop
  std::vector<Slot> slots_;        // ring of max_ahead slots, index % size
  size_t next_to_claim_ = 0;
  size_t next_to_deliver_ = 0;
  size_t stop_claiming_at_ = count_;  // lowered to just past the first failing index
  bool stopping_ = false;
  std::exception_ptr failure_;  // set once the consumer reached a failed item
  std::vector<std::thread> workers_;
};

// One image to load: `box` crops before the transform; `where` (e.g. "df.csv:12") prefixes
// error messages so that a broken file is reported with its CSV line.
struct ImageLoadItem {
  std::string path;
  std::optional<BoundingBox> box;
  std::string where;
};

// Consecutive items first_index .. first_index + count - 1, transformed, as one contiguous
// float32 [count, 3, height, width] buffer (ready for torch::from_blob).
struct ImageBatch {
  size_t first_index = 0;
  size_t count = 0;
  int height = 0;
  int width = 0;
  std::vector<float> values;
};

// Decodes and transforms images on `num_threads` threads, ahead of the consumer, and yields
// batches in item order (the last batch may be smaller). At most about two batches of images
// are held in memory. Errors are InputError naming `where` and the path.
class ImageBatchLoader {
 public:
  // `limits`: the pixel limit of every decode and crop (image_limits.h).
  ImageBatchLoader(std::vector<ImageLoadItem> items, TransformSpec spec, size_t batch_size,
                   size_t num_threads, ImageLimits limits = {});

  // The next batch, or nullopt after the last one.
  std::optional<ImageBatch> next();
  size_t num_items() const { return items_.size(); }
  size_t num_batches() const { return (items_.size() + batch_size_ - 1) / batch_size_; }

 private:
  ImageTensorCHW load(size_t index) const;

  std::vector<ImageLoadItem> items_;
  TransformSpec spec_;
  ImageLimits limits_;
  size_t batch_size_;
  size_t delivered_ = 0;
  OrderedPrefetcher<ImageTensorCHW> prefetcher_;  // last: its threads read the members above
};

}  // namespace oml
