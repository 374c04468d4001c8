#include "oml/common/progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace oml {
namespace {

constexpr double kTerminalRedrawSeconds = 0.1;
constexpr double kPlainLineSeconds = 10.0;

bool g_progress_enabled = true;
std::string& progress_prefix() {
  static std::string prefix;
  return prefix;
}

}  // namespace

void set_progress_output(bool enabled, std::string line_prefix) {
  g_progress_enabled = enabled;
  progress_prefix() = std::move(line_prefix);
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      is_terminal_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(int64_t n) {
  done_ += n;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (since >= (is_terminal_ ? kTerminalRedrawSeconds : kPlainLineSeconds)) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::set_note(std::string note) { note_ = std::move(note); }

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void ProgressBar::draw(bool final_line) {
  if (!g_progress_enabled) return;
  const std::string& prefix = progress_prefix();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const double fraction = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 0.0;
  char status[256];
  std::snprintf(status, sizeof status, "%lld/%lld %s  %.1f %s/s  %.1fs", static_cast<long long>(done_),
                static_cast<long long>(total_), unit_.c_str(), rate, unit_.c_str(), elapsed);
  if (is_terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth + 0.5);
    std::string bar(static_cast<size_t>(filled > kWidth ? kWidth : filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%s%s [%s] %s %s\033[K%s", prefix.c_str(), label_.c_str(), bar.c_str(), status,
                 note_.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s%s: %s %s\n", prefix.c_str(), label_.c_str(), status, note_.c_str());
  }
  std::fflush(stderr);
}

}  // namespace oml
