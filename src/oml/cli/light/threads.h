#pragma once
// --threads for the commands that need no libtorch (evaluate/search without --post): OpenMP and
// OpenBLAS only. The torch commands use configure_threads (commands.h), which also sizes
// libtorch's intra-op pool.

namespace oml::cli {

// Checks --threads (0 = all cores) and returns the worker count; InputError below 0.
int checked_thread_count(int threads);

// Applies --threads to OpenMP (and so to OpenBLAS-openmp) as configure_threads does, without torch.
void configure_openmp_threads(int threads);

}  // namespace oml::cli
