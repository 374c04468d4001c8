// The option helpers of commands.h that need no libtorch, so that the light front links them too.
#include "oml/cli/commands.h"
#include "oml/common/errors.h"

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

}  // namespace oml::cli
