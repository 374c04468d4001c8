// Pickle sizes that no header bounds (tests for src/oml/models/pickle_limits.h): nesting depth,
// values pushed, memo entries. Before the limits, a million nested tuples (1 MB of pickle) crashed
// the process when the value was freed, each level's destructor calling the next.
#include <gtest/gtest.h>

#include <string>

#include "models/unpickle_helpers.h"
#include "oml/common/errors.h"
#include "oml/models/pickle_limits.h"
#include "oml/models/unpickler.h"

namespace oml {
namespace {

using testing_pickle::error_of;
using testing_pickle::unpickle;

// PROTO 2, EMPTY_LIST, then `levels` TUPLE1: (((...[],),),) nested `levels` + 1 deep.
std::string nested_tuples(size_t levels) { return "\x80\x02]" + std::string(levels, '\x85') + "."; }

// PROTO 2, `levels` + 1 EMPTY_LISTs, then `levels` APPENDs: each list appended into the one below.
std::string nested_lists(size_t levels) {
  return "\x80\x02" + std::string(levels + 1, ']') + std::string(levels, 'a') + ".";
}

TEST(PickleLimits, AMillionNestedTuplesAreRefusedWithoutOverflowingTheStack) {
  const std::string error = error_of(nested_tuples(1000000));
  EXPECT_NE(error.find("test.pkl: cannot read the checkpoint's pickle data"), std::string::npos) << error;
  EXPECT_NE(error.find("containers nest more than 1000 levels deep"), std::string::npos) << error;
}

TEST(PickleLimits, AMillionNestedListsAreRefusedWithoutOverflowingTheStack) {
  const std::string error = error_of(nested_lists(1000000));
  EXPECT_NE(error.find("containers nest more than 1000 levels deep"), std::string::npos) << error;
}

TEST(PickleLimits, NestingUpToTheLimitLoads) {
  // 999 TUPLE1 around a list: 1000 containers, the limit.
  PickleValue value = unpickle(nested_tuples(999));
  ASSERT_EQ(value->kind, PickleObject::Kind::Tuple);
  EXPECT_NE(error_of(nested_tuples(1000)), "");
}

TEST(PickleLimits, AValueSharedAlongExponentiallyManyPathsIsMeasuredOnce) {
  // x = (); then 60 times x = (x, x): 2^60 paths, 61 levels. DUP, TUPLE2.
  std::string bytes = "\x80\x02)";
  for (int i = 0; i < 60; ++i) bytes += "2\x86";
  PickleValue value = unpickle(bytes + ".");
  EXPECT_FALSE(nests_deeper_than(*value, 61));
  EXPECT_TRUE(nests_deeper_than(*value, 60));
  // The same sharing 2000 levels deep is refused, also at once.
  bytes = "\x80\x02)";
  for (int i = 0; i < 2000; ++i) bytes += "2\x86";
  EXPECT_NE(error_of(bytes + ".").find("nest more than 1000"), std::string::npos);
}

TEST(PickleLimits, DeepValuesBuiltOutsideAPickleAreFreedIteratively) {
  // The destructor itself: a chain of a million lists freed without a stack overflow.
  PickleValue root = make_pickle_value(PickleObject::Kind::List);
  PickleObject* tail = root.get();
  for (int i = 0; i < 1000000; ++i) {
    tail->items.push_back(make_pickle_value(PickleObject::Kind::List));
    tail = tail->items.back().get();
  }
  EXPECT_TRUE(nests_deeper_than(*root, 1000));
  root.reset();
}

TEST(PickleLimits, TooManyValuesAreRefused) {
  // EMPTY_LIST, then DUP once more than the limit allows: each pushes the same list again.
  const std::string bytes = "\x80\x02]" + std::string(kMaxPicklePushes, '2') + ".";
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("more than 1048576 values"), std::string::npos) << "[" << error << "]";
}

TEST(PickleLimits, TooManyMemoEntriesAreRefused) {
  // EMPTY_LIST, then MEMOIZE (a fresh memo entry each) once more than the limit allows.
  const std::string bytes = "\x80\x04]" + std::string(kMaxPickleMemo + 1, '\x94') + ".";
  const std::string error = error_of(bytes);
  EXPECT_NE(error.find("too many memo entries"), std::string::npos) << error;
}

}  // namespace
}  // namespace oml
