#pragma once
#include <string>
#include <vector>

namespace oml {

enum class DigestAlgorithm { kMd5, kSha256, kSha512 };

// The digest of a file's bytes, read in blocks so large checkpoints need little memory. Throws
// InputError "<path>: cannot open the file to check its <purpose>" when the file cannot be read.
std::vector<unsigned char> digest_of_file(const std::string& path, DigestAlgorithm algorithm,
                                          const std::string& purpose);

std::string lowercase_hex(const std::vector<unsigned char>& bytes);
std::string base64(const std::vector<unsigned char>& bytes);

}  // namespace oml
