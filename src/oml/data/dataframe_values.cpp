#include <algorithm>
#include <charconv>
#include <cmath>

#include "oml/common/errors.h"
#include "oml/data/dataframe_internal.h"

namespace oml::dataframe_detail {
namespace {

// Binary garbage or a whole file glued into one field should not flood the terminal.
constexpr size_t kMaxRawShown = 120;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

size_t skip_digits(std::string_view text, size_t pos) {
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  return pos;
}

}  // namespace

void ProblemList::add(int64_t line, std::string message) {
  ++total_;
  // Keep the earliest lines; equal lines keep their insertion order.
  const auto position = std::upper_bound(shown_.begin(), shown_.end(), line,
                                         [](int64_t l, const Problem& p) { return l < p.line; });
  if (shown_.size() == kMaxShown && position == shown_.end()) return;
  shown_.insert(position, Problem{line, std::move(message)});
  if (shown_.size() > kMaxShown) shown_.pop_back();
}

void ProblemList::throw_if_any() const {
  if (total_ == 0) return;
  std::string text;
  for (const Problem& problem : shown_) {
    if (!text.empty()) text += '\n';
    text += problem.message;
  }
  if (total_ > shown_.size()) text += "\n\u2026 and " + std::to_string(total_ - shown_.size()) + " more";
  throw InputError(text);
}

std::string column_problem(const std::string& csv, int64_t line, std::string_view column,
                           std::string_view problem) {
  return csv + ":" + std::to_string(line) + ": column '" + std::string(column) + "': " + std::string(problem);
}

std::string column_problem(const std::string& csv, int64_t line, std::string_view column,
                           std::string_view problem, std::string_view raw) {
  std::string shown(raw.substr(0, kMaxRawShown));
  if (raw.size() > kMaxRawShown) shown += "\u2026";
  return column_problem(csv, line, column, problem) + " (got '" + shown + "')";
}

std::optional<int64_t> parse_label(std::string_view text) {
  const bool plus = !text.empty() && text.front() == '+';
  if (plus) text.remove_prefix(1);
  const size_t first_digit = (!plus && !text.empty() && text.front() == '-') ? 1 : 0;
  if (text.size() == first_digit || skip_digits(text, first_digit) != text.size()) return std::nullopt;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;  // overflow
  return value;
}

std::optional<bool> parse_boolean(std::string_view text) {
  if (text == "True" || text == "true" || text == "TRUE" || text == "1" || text == "1.0") return true;
  if (text == "False" || text == "false" || text == "FALSE" || text == "0" || text == "0.0") return false;
  return std::nullopt;
}

std::optional<double> parse_decimal_number(std::string_view text) {
  // Plain decimal notation only: no "inf", "nan", hex or surrounding spaces.
  const bool plus = !text.empty() && text.front() == '+';
  if (plus) text.remove_prefix(1);
  size_t pos = (!plus && !text.empty() && text.front() == '-') ? 1 : 0;
  const size_t integer_end = skip_digits(text, pos);
  size_t digits = integer_end - pos;
  pos = integer_end;
  if (pos < text.size() && text[pos] == '.') {
    const size_t fraction_end = skip_digits(text, pos + 1);
    digits += fraction_end - pos - 1;
    pos = fraction_end;
  }
  if (digits == 0) return std::nullopt;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    size_t exponent = pos + 1;
    if (exponent < text.size() && (text[exponent] == '+' || text[exponent] == '-')) ++exponent;
    const size_t exponent_end = skip_digits(text, exponent);
    if (exponent_end == exponent) return std::nullopt;
    pos = exponent_end;
  }
  if (pos != text.size()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string join_root_and_path(const std::string& root, const std::string& path) {
  const bool absolute = !path.empty() && path.front() == '/';
  const std::string joined = absolute || root.empty() ? path : root + "/" + path;
  std::string normal = (!joined.empty() && joined.front() == '/') ? "/" : "";
  size_t start = 0;
  while (start <= joined.size()) {
    size_t slash = joined.find('/', start);
    if (slash == std::string::npos) slash = joined.size();
    const std::string_view part(joined.data() + start, slash - start);
    if (!part.empty() && part != ".") {
      if (!normal.empty() && normal.back() != '/') normal += '/';
      normal += part;
    }
    start = slash + 1;
  }
  return normal.empty() ? "." : normal;
}

}  // namespace oml::dataframe_detail
