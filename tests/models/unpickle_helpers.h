#pragma once
// Shared by the pickle tests: unpickle bytes under the restricted unpickler as a checkpoint's
// data.pkl would be, or get the InputError message it raises.
#include <string>

#include "oml/common/errors.h"
#include "oml/models/unpickler.h"

namespace oml::testing_pickle {

inline PickleValue unpickle(const std::string& bytes) {
  RestrictedUnpickler unpickler(bytes.data(), bytes.size(), "test.pkl", nullptr);
  return unpickler.load();
}

// The message of the InputError that unpickling raises, or "" when it succeeds.
inline std::string error_of(const std::string& bytes) {
  try {
    unpickle(bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace oml::testing_pickle
