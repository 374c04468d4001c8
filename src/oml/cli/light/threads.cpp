#include "oml/cli/light/threads.h"

#include <omp.h>

#include <algorithm>
#include <string>
#include <thread>

#include "oml/common/errors.h"

namespace oml::cli {

int checked_thread_count(int threads) {
  if (threads < 0)
    throw InputError("--threads: expected a number >= 0 (0 = all cores), got " + std::to_string(threads));
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return threads;
}

void configure_openmp_threads(int threads) { omp_set_num_threads(checked_thread_count(threads)); }

}  // namespace oml::cli
