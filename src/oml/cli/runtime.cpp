#include <torch/torch.h>

#include <cstdio>

#include "oml/cli/commands.h"
#include "oml/cli/light/threads.h"
#include "oml/common/errors.h"
#include "oml/models/extractor.h"
#include "oml/models/training_linear.h"

namespace oml::cli {

void configure_threads(int threads) {
  // libtorch defaults to a single intra-op thread on this machine kind; set it explicitly.
  torch::set_num_threads(checked_thread_count(threads));
}

void add_training_precision_option(CLI::App* command, std::string& precision) {
  command
      ->add_option("--precision", precision,
                   "fp32 or bf16: bf16 GEMM inputs in the linear layers, fp32 master weights and "
                   "accumulation (CPUs with AVX512-BF16)")
      ->capture_default_str();
}

void configure_training_precision(const std::string& precision) {
  const bool bf16 = parse_precision(precision) == Precision::kBFloat16;
  if (set_bf16_training_gemms(bf16) != bf16) {
    std::fprintf(stderr, "--precision bf16: this CPU has no native bf16 arithmetic; training in fp32\n");
  }
}

}  // namespace oml::cli
