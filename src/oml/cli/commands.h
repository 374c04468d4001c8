#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "oml/data/image_limits.h"

// One function per subcommand; each lives in its own cmd_<name>.cpp and adds the subcommand with
// its options and a callback that does the work. Callbacks report bad input by throwing
// oml::InputError (exit 2).
namespace oml::cli {

void add_validate_command(CLI::App& app);
void add_extract_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_search_command(CLI::App& app);
void add_train_reranker_command(CLI::App& app);
void add_train_extractor_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_dataset_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_zoo_command(CLI::App& app);
void add_serve_command(CLI::App& app);

// Registers a subcommand of the CLI contract that is not built yet: it accepts any arguments and
// fails with exit code 2 saying so.
void add_unimplemented_command(CLI::App& app, const std::string& name, const std::string& description);

// --max-image-pixels N: Pillow's MAX_IMAGE_PIXELS for every image the command reads (warn above N,
// refuse above 2N, 0 = no limit), stored in `limits`, which the command passes down as plain data.
void add_max_image_pixels_option(CLI::App* command, ImageLimits& limits);

// Applies --threads (0 = all cores) to libtorch's intra-op pool and OpenMP.
void configure_threads(int threads);

// --precision of the training commands: fp32 (default) or bf16, mixed precision in the ViT's linear
// layers (bf16 GEMM inputs, fp32 accumulation and master weights; models/training_linear.h).
void add_training_precision_option(CLI::App* command, std::string& precision);
// Applies it; on a CPU without native bf16 arithmetic it says so and trains in fp32.
void configure_training_precision(const std::string& precision);

}  // namespace oml::cli
