#pragma once
// The top level both binaries share: the app's name, description and --version, and how an error
// becomes an exit code (0 ok, 2 bad arguments or input, 1 internal error).
#include <CLI/CLI.hpp>

namespace oml::cli {

// Tunes the allocator, builds the app with `add_commands`, parses argv (running the chosen
// subcommand) and returns main's exit code.
int run_app(int argc, char** argv, void (*add_commands)(CLI::App& app));

}  // namespace oml::cli
