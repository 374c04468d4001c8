#pragma once
#include <functional>
#include <string>

namespace oml {

// A file to fetch into a cache, and what to tell the user when that fails.
struct DownloadRequest {
  std::string url;
  std::string destination;
  std::string description;     // what is fetched, for "cannot download <description> (<reason>)"
  std::string by_hand_advice;  // ends every failure message: how to put the file in place by hand
  // Empty when the downloaded file at the given path is the expected one, else what is wrong with
  // it, for "the file downloaded from <url> has <fault>" (e.g. "md5 <hex>, expected a prefix <p>").
  std::function<std::string(const std::string& path)> find_fault;
};

// Downloads request.url (curl: redirects followed, HTTP errors fail, a transfer stalled under
// 1 kB/s for a minute fails) to a temporary sibling of request.destination, renamed into place
// only once find_fault accepts it, so a failed, interrupted or corrupt download never sits at the
// destination. Announces the download on stderr. Throws InputError with the reason and
// by_hand_advice, after removing the temporary file.
void download_checked_file(const DownloadRequest& request);

}  // namespace oml
