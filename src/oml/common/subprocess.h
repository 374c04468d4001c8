#pragma once
#include <string>
#include <vector>

namespace oml {

// Runs the program argv[0] (looked up in PATH) with the given arguments, without a shell, so
// file names are passed verbatim whatever characters they contain; waits for it to exit.
// Returns its exit status (128 + signal number when a signal ended it). Throws InputError naming
// the program and `install_hint` when it cannot be started (typically: not installed).
int run_program(const std::vector<std::string>& argv, const std::string& install_hint);

}  // namespace oml
