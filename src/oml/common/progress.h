#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace oml {

// Progress of long work on stderr: a redrawn bar on a terminal, plain periodic lines otherwise.
// `unit` names what is counted ("images", "pairs"); the rate is shown as <unit>/s.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, std::string unit);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(int64_t n = 1);
  // Extra text after the rate, e.g. "loss 0.4213".
  void set_note(std::string note);
  void finish();

 private:
  void draw(bool final_line);

  std::string label_;
  std::string unit_;
  std::string note_;
  int64_t total_;
  int64_t done_ = 0;
  bool is_terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Process-wide, for jobs of several processes: whether progress is drawn at all, and a prefix
// before each line (e.g. "[rank 1] "). Set once at start-up, before any bar exists.
void set_progress_output(bool enabled, std::string line_prefix);

}  // namespace oml
