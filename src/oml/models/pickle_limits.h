#pragma once
#include <cstddef>

#include "oml/models/unpickler.h"

// Limits that keep a hostile pickle's cost proportional to what an honest checkpoint needs. Every
// other size in a pickle (string and bytes lengths, LONG4 widths) is checked against the bytes
// that remain, so these three are the only amplifications left to bound.
namespace oml {

// Values pushed on the unpickler's stack (each push creates at most one object, about 240 bytes
// with its place on the stack) plus MARKs. A torch.save checkpoint pushes about 30 per tensor and
// 100 with its Adam state: 1,048,576 is ten times what a ResNet-152 Lightning checkpoint with its
// optimizer needs, and caps a hostile pickle at about 300 MB of objects however small its file
// (measured: 2^22 pushes of None from a 4 MB file took 1.17 GB).
constexpr size_t kMaxPicklePushes = size_t{1} << 20;

// Memo entries: an honest pickle memoizes each object once, so never more than it pushes.
constexpr size_t kMaxPickleMemo = kMaxPicklePushes;

// Containers inside containers. Python's pickler recurses once per level and stops at its
// recursion limit (1000), so no pickle written by Python nests deeper; a checkpoint nests about 5.
constexpr size_t kMaxPickleNesting = 1000;

// True when some path from `root` passes through more than `limit` values (a list holding an int is
// 2 deep). Iterative and linear in the number of objects, shared objects measured once: a hostile
// pickle can nest a million levels deep or share one object along 2^64 paths.
bool nests_deeper_than(const PickleObject& root, size_t limit);

}  // namespace oml
