#pragma once
#include <stdexcept>
#include <string>

namespace oml {

// Bad arguments or bad user data (CSV, images, embeddings, checkpoints). The CLI prints the
// message and exits with code 2. Messages name the file and, where known, the line/row/field.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A subcommand or option that exists in the CLI contract but is not implemented yet (exit 2).
class NotImplementedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A torchrun job that cannot go on because of something outside this process: a peer rank that
// died, hung or cannot be reached, a store that does not answer, a port in use (exit 1; the
// message names the rank, the address or the timeout).
class JobError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace oml
