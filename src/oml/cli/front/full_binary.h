#pragma once
// The light front hands a command it does not run itself to oml-full: the executable named
// oml-full in the front's own directory, exec'd with the unchanged argv. exec keeps the pid,
// stdin/stdout/stderr, the environment, signals and the exit code, so callers (scripts, tests,
// torchrun) see one process either way.

namespace oml::cli {

// Stores main's argv for exec_full_binary (argv outlives every call; nothing is copied).
void remember_command_line(char** argv);

// Replaces this process by oml-full with the remembered argv. Returns only by exiting with 1 and
// a message naming the missing or unusable binary.
[[noreturn]] void exec_full_binary();

}  // namespace oml::cli
