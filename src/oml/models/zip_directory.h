#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

// The sizes a zip archive's central directory declares for its entries, read before libtorch's
// zip reader allocates a buffer of the declared size for each record it extracts.
namespace oml {

struct ZipEntrySize {
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
  bool stored = true;  // method 0 (torch.save's); otherwise compressed
};

// Entries by their name inside the archive's top folder ("data.pkl", "data/0"), as libtorch's
// PyTorchStreamReader names them. Throws InputError naming `path` when the directory cannot be
// read, or when an entry declares more than it can hold: a stored entry larger than the archive,
// a compressed one that would inflate more than deflate ever can (1032:1).
std::unordered_map<std::string, ZipEntrySize> read_zip_entry_sizes(const std::string& path);

}  // namespace oml
