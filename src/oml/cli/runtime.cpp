#include <torch/torch.h>

#include <thread>

#include "oml/cli/commands.h"
#include "oml/common/errors.h"

namespace oml::cli {

void add_unimplemented_command(CLI::App& app, const std::string& name, const std::string& description) {
  auto* command = app.add_subcommand(name, description + " (not built yet)");
  command->allow_extras();
  command->callback([name] { throw NotImplementedError("oml " + name + " is not implemented yet"); });
}

void configure_threads(int threads) {
  if (threads < 0) throw InputError("--threads: expected a number >= 0 (0 = all cores), got " + std::to_string(threads));
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // libtorch defaults to a single intra-op thread on this machine kind; set it explicitly.
  torch::set_num_threads(threads);
}

}  // namespace oml::cli
