#pragma once
#include <functional>
#include <ostream>
#include <string>

namespace oml {

// Writes `path` through a temporary file in the same directory and renames it into place, so a
// failure (exception, crash, full disk) never leaves a half-written file at `path`.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& writer);

// Same for producers that need a file name (e.g. libraries writing by path): `writer` receives
// the temporary path; on success it is renamed to `path`, on exception it is removed.
void write_path_atomically(const std::string& path, const std::function<void(const std::string&)>& writer);

// An InputError for a failed write of `path`: "PATH: cannot write: No space left on device". The
// reason is errno's, which the failed write() set; `detail` (a library's message) is appended.
[[noreturn]] void throw_write_error(const std::string& path, const std::string& detail = "");

// Fails early, before hours of work whose result could not be written: the directory that will
// hold `path` must exist and be writable. InputError "OPTION PATH: cannot write: directory D does
// not exist" (or "is not writable").
void require_writable_location(const std::string& option, const std::string& path);

}  // namespace oml
