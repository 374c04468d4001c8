// Reference cycles in pickles (found by tests/fuzz/fuzz_checkpoint): a container that holds itself
// would never be freed (shared_ptr), so a hostile checkpoint leaked memory on every load. Completed
// pickles with a cycle are refused; failed loads break their cycles.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "models/unpickle_helpers.h"
#include "oml/common/errors.h"
#include "oml/models/checkpoint.h"
#include "oml/models/pickle_cycles.h"
#include "oml/models/unpickler.h"

namespace oml {
namespace {

using testing_pickle::error_of;
using testing_pickle::unpickle;

TEST(PickleCycles, ListHoldingItselfIsRefused) {
  // PROTO 2, EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP: l = []; l.append(l)
  const std::string error =
      error_of(std::string("\x80\x02]q\x00h\x00"
                           "a.",
                           9));
  EXPECT_NE(error.find("test.pkl: cannot read the checkpoint's pickle data"), std::string::npos) << error;
  EXPECT_NE(error.find("reference cycle"), std::string::npos) << error;
}

TEST(PickleCycles, DictHoldingItselfThroughAListIsRefused) {
  // d = {}; d["a"] = [d]: EMPTY_DICT, BINPUT 0, SHORT_BINUNICODE "a", EMPTY_LIST, BINGET 0, APPEND,
  // SETITEM, STOP
  const std::string bytes(
      "\x80\x02}q\x00\x8c\x01"
      "a]h\x00"
      "as.",
      14);
  EXPECT_NE(error_of(bytes).find("reference cycle"), std::string::npos) << error_of(bytes);
}

TEST(PickleCycles, SharedButAcyclicValuesLoad) {
  // t = (l, l) with l = [1]: the same list twice is a DAG, not a cycle.
  const std::string bytes(
      "\x80\x02]q\x00K\x01"
      "ah\x00\x86.",
      12);
  const PickleValue value = unpickle(bytes);
  ASSERT_EQ(value->kind, PickleObject::Kind::Tuple);
  ASSERT_EQ(value->items.size(), 2u);
  EXPECT_EQ(value->items[0], value->items[1]);
  ASSERT_EQ(value->items[0]->items.size(), 1u);
  EXPECT_EQ(value->items[0]->items[0]->integer, 1);
}

TEST(PickleCycles, ReleaseFreesACycleNothingElseHolds) {
  std::weak_ptr<PickleObject> watched;
  MutatedContainers mutated;
  {
    PickleValue list = make_pickle_value(PickleObject::Kind::List);
    list->items.push_back(list);
    mutated.add(list);
    watched = list;
  }
  EXPECT_FALSE(watched.expired());  // the cycle keeps itself alive
  EXPECT_TRUE(mutated.has_cycle());
  mutated.release();
  EXPECT_TRUE(watched.expired());
}

TEST(PickleCycles, FuzzFoundCheckpointIsAnInputError) {
  // The input fuzz_checkpoint reported as a leak (a Lightning-style zip whose pickle was mutated).
  const std::string path = std::string(OML_SOURCE_DIR) + "/tests/fixtures/fuzz/checkpoint_leak_7c6094fe.pth";
  EXPECT_THROW(read_state_dict(path), InputError);
}

}  // namespace
}  // namespace oml
