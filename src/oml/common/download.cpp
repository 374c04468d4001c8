#include "oml/common/download.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "oml/common/errors.h"

namespace oml {
namespace {

size_t append_to_file(char* data, size_t size, size_t count, void* file) {
  return std::fwrite(data, size, count, static_cast<std::FILE*>(file)) * size;
}

// Returns an empty string on success, else the reason.
std::string download(const std::string& url, const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) return "cannot create " + path;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return "curl_easy_init failed";
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 20L);
  // A stalled transfer (under 1 kB/s for a minute) fails instead of hanging the command.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &append_to_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, file.get());
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return error[0] ? error : curl_easy_strerror(code);
  if (std::fflush(file.get()) != 0) return "write failed (disk full?)";
  return "";
}

void remove_quietly(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

}  // namespace

void download_checked_file(const DownloadRequest& request) {
  // The process id keeps parallel downloads of the same file (parallel tests, say) apart.
  const std::string temporary = request.destination + ".part" + std::to_string(::getpid());
  std::fprintf(stderr, "downloading %s to %s\n", request.url.c_str(), request.destination.c_str());
  const std::string failure = download(request.url, temporary);
  if (!failure.empty()) {
    remove_quietly(temporary);
    throw InputError("cannot download " + request.description + " (" + failure +
                     "): " + request.by_hand_advice);
  }
  std::string fault;
  try {
    fault = request.find_fault(temporary);
  } catch (...) {
    remove_quietly(temporary);
    throw;
  }
  if (!fault.empty()) {
    remove_quietly(temporary);
    throw InputError("the file downloaded from " + request.url + " has " + fault + ": " +
                     request.by_hand_advice);
  }
  std::filesystem::rename(temporary, request.destination);
}

}  // namespace oml
