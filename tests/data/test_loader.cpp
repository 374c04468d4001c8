// OrderedPrefetcher and ImageBatchLoader: order, bounded buffering, error propagation, early stop.
// No timed assertions: waits are for events; short sleeps only give a broken bound the chance to
// show up.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "oml/common/errors.h"
#include "oml/data/loader.h"

namespace oml {
namespace {

const std::string kImages = std::string(OML_SOURCE_DIR) + "/tests/fixtures/images/";

void wait_until(const std::function<bool()>& condition) {
  while (!condition()) std::this_thread::yield();
}

TEST(OrderedPrefetcher, DeliversInIndexOrderWhateverTheFinishOrder) {
  // Even indices take longer, so workers finish out of order.
  OrderedPrefetcher<std::string> prefetcher(
      200,
      [](size_t i) {
        if (i % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        return std::to_string(i * i);
      },
      4, 8);
  for (size_t i = 0; i < 200; ++i) {
    std::optional<std::string> item = prefetcher.next();
    ASSERT_TRUE(item.has_value());
    EXPECT_EQ(*item, std::to_string(i * i));
  }
  EXPECT_FALSE(prefetcher.next().has_value());
  EXPECT_FALSE(prefetcher.next().has_value());
}

TEST(OrderedPrefetcher, NeverRunsMoreThanMaxAheadBeyondTheConsumer) {
  std::atomic<size_t> started{0};
  std::atomic<size_t> highest{0};
  OrderedPrefetcher<size_t> prefetcher(
      100,
      [&](size_t i) {
        started++;
        size_t seen = highest.load();
        while (i > seen && !highest.compare_exchange_weak(seen, i)) {
        }
        return i;
      },
      4, 5);
  wait_until([&] { return started.load() == 5; });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // room for an overrun to happen
  EXPECT_EQ(started.load(), 5u);
  EXPECT_EQ(highest.load(), 4u);
  EXPECT_EQ(*prefetcher.next(), 0u);
  wait_until([&] { return started.load() == 6; });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(started.load(), 6u);
  EXPECT_EQ(highest.load(), 5u);
}

TEST(OrderedPrefetcher, ErrorSurfacesAtItsIndexLowestFirst) {
  // Index 30 fails quickly, index 10 fails after a delay: the consumer must still see 10, after
  // receiving 0..9 intact.
  OrderedPrefetcher<int> prefetcher(
      100,
      [](size_t i) -> int {
        if (i == 10) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          throw InputError("bad item 10");
        }
        if (i == 30) throw InputError("bad item 30");
        return static_cast<int>(i);
      },
      3, 40);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(*prefetcher.next(), i);
  try {
    prefetcher.next();
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "bad item 10");
  }
  EXPECT_THROW(prefetcher.next(), InputError);  // stays failed
}

TEST(OrderedPrefetcher, ErrorStopsClaimingLaterItems) {
  std::atomic<size_t> started{0};
  {
    OrderedPrefetcher<int> prefetcher(
        1000,
        [&](size_t i) -> int {
          started++;
          if (i == 0) throw std::runtime_error("first fails");
          return 1;
        },
        2, 4);
    EXPECT_THROW(prefetcher.next(), std::runtime_error);
  }
  EXPECT_LE(started.load(), 4u);  // only what was already claimed when 0 failed
}

TEST(OrderedPrefetcher, EarlyStopJoinsWorkersWithoutDeadlock) {
  std::atomic<size_t> started{0};
  {
    OrderedPrefetcher<std::vector<int>> prefetcher(
        100000,
        [&](size_t i) {
          started++;
          return std::vector<int>(16, static_cast<int>(i));
        },
        4, 16);
    EXPECT_EQ((*prefetcher.next())[0], 0);
    EXPECT_EQ((*prefetcher.next())[0], 1);
  }  // destructor with workers blocked on a full buffer
  EXPECT_LE(started.load(), 18u);
}

TEST(OrderedPrefetcher, InlineModeWithoutThreads) {
  std::thread::id producer_thread;
  OrderedPrefetcher<size_t> prefetcher(
      3,
      [&](size_t i) {
        producer_thread = std::this_thread::get_id();
        return i + 1;
      },
      0, 1);
  EXPECT_EQ(*prefetcher.next(), 1u);
  EXPECT_EQ(producer_thread, std::this_thread::get_id());
  EXPECT_EQ(*prefetcher.next(), 2u);
  EXPECT_EQ(*prefetcher.next(), 3u);
  EXPECT_FALSE(prefetcher.next().has_value());
}

TEST(OrderedPrefetcher, ZeroItems) {
  OrderedPrefetcher<int> prefetcher(
      0, [](size_t) { return 1; }, 4, 4);
  EXPECT_FALSE(prefetcher.next().has_value());
}

std::vector<ImageLoadItem> fixture_items() {
  std::vector<ImageLoadItem> items;
  const char* names[] = {"board.jpg",   "flower.jpg", "gray.png", "rgba.png",
                         "palette.png", "rgb16.png",  "bit1.png"};
  for (const char* name : names) items.push_back({kImages + name, std::nullopt, ""});
  items[1].box = BoundingBox{10, 20, 110, 70};
  return items;
}

TEST(ImageBatchLoader, BatchesEqualPerImageTransformsInOrder) {
  const TransformSpec spec = TransformSpec::hypvit(40, 32);
  const std::vector<ImageLoadItem> items = fixture_items();
  ImageBatchLoader loader(items, spec, 3, 2);
  EXPECT_EQ(loader.num_batches(), 3u);
  size_t index = 0;
  std::vector<size_t> batch_sizes;
  while (std::optional<ImageBatch> batch = loader.next()) {
    EXPECT_EQ(batch->first_index, index);
    EXPECT_EQ(batch->height, 32);
    EXPECT_EQ(batch->width, 32);
    batch_sizes.push_back(batch->count);
    const size_t per_image = 3 * 32 * 32;
    ASSERT_EQ(batch->values.size(), per_image * batch->count);
    for (size_t i = 0; i < batch->count; ++i, ++index) {
      const ImageTensorCHW expected = load_transformed(items[index].path, items[index].box, spec);
      EXPECT_TRUE(
          std::equal(expected.values.begin(), expected.values.end(), batch->values.begin() + per_image * i))
          << items[index].path;
    }
  }
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{3, 3, 1}));
}

TEST(ImageBatchLoader, BrokenImageNamesItsCsvLine) {
  std::vector<ImageLoadItem> items = fixture_items();
  items[4] = {kImages + "truncated.jpg", std::nullopt, "df.csv:6"};
  ImageBatchLoader loader(items, TransformSpec::squash(16), 2, 3);
  ASSERT_TRUE(loader.next().has_value());
  ASSERT_TRUE(loader.next().has_value());
  try {
    loader.next();
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("df.csv:6: ", 0), 0u) << message;
    EXPECT_NE(message.find("truncated.jpg"), std::string::npos) << message;
  }
}

TEST(ImageBatchLoader, RejectsZeroBatchSize) {
  EXPECT_THROW(ImageBatchLoader(fixture_items(), TransformSpec::squash(8), 0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace oml
