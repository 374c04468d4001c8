#include "oml/common/file_digest.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>

#include "oml/common/errors.h"

namespace oml {

std::vector<unsigned char> digest_of_file(const std::string& path, DigestAlgorithm algorithm,
                                          const std::string& purpose) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file to check its " + purpose);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const EVP_MD* method = algorithm == DigestAlgorithm::kMd5      ? EVP_md5()
                        : algorithm == DigestAlgorithm::kSha256 ? EVP_sha256()
                                                                : EVP_sha512();
  EVP_DigestInit_ex(context.get(), method, nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  std::vector<unsigned char> digest(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &length);
  digest.resize(length);
  return digest;
}

std::string lowercase_hex(const std::vector<unsigned char>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * bytes.size());
  for (const unsigned char byte : bytes) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0x0f];
  }
  return hex;
}

std::string base64(const std::vector<unsigned char>& bytes) {
  // EVP_EncodeBlock writes a terminating NUL after the 4 characters per 3 bytes.
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes.data(),
                                      static_cast<int>(bytes.size()));
  text.resize(static_cast<size_t>(written));
  return text;
}

}  // namespace oml
