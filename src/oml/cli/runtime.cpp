#include <torch/torch.h>

#include <cstdio>
#include <thread>

#include "oml/cli/commands.h"
#include "oml/common/errors.h"
#include "oml/models/extractor.h"
#include "oml/models/training_linear.h"

namespace oml::cli {

void add_unimplemented_command(CLI::App& app, const std::string& name, const std::string& description) {
  auto* command = app.add_subcommand(name, description + " (not built yet)");
  command->allow_extras();
  command->callback([name] { throw NotImplementedError("oml " + name + " is not implemented yet"); });
}

void add_max_image_pixels_option(CLI::App* command, ImageLimits& limits) {
  command
      ->add_option("--max-image-pixels", limits.max_pixels,
                   "Pillow's decompression-bomb limit: warn above N pixels, refuse images above 2N "
                   "(0 = no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void configure_threads(int threads) {
  if (threads < 0)
    throw InputError("--threads: expected a number >= 0 (0 = all cores), got " + std::to_string(threads));
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // libtorch defaults to a single intra-op thread on this machine kind; set it explicitly.
  torch::set_num_threads(threads);
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
