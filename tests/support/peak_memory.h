#pragma once
// The peak memory that a test allows one oml run (a child process it waited for). Under
// AddressSanitizer the same run also holds shadow memory and ASan's freed-memory quarantine
// (measured: the 165 MB binary peaks near 600 MB while refusing a bomb), so sanitized builds
// allow twice the bound: a hostile allocation of gigabytes still fails it.
#include <sys/resource.h>

namespace oml::test {

inline long peak_rss_of_children_kib() {
  rusage usage{};
  return getrusage(RUSAGE_CHILDREN, &usage) == 0 ? usage.ru_maxrss : -1;
}

inline long peak_rss_bound_kib(long plain_build_kib) {
#ifdef OML_SANITIZED
  return 2 * plain_build_kib;
#else
  return plain_build_kib;
#endif
}

}  // namespace oml::test
