#pragma once
// Building blocks of read_dataframe shared by the dataframe*.cpp files; not a public interface.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oml::dataframe_detail {

// One CSV record: its fields and the 1-based physical line where it starts.
struct CsvRecord {
  int64_t line = 0;
  std::vector<std::string> fields;
  // Fields in the row as written. Only the header's count plus one are kept in `fields`: enough to
  // see the row is wrong, while a hostile row of a million commas costs no memory.
  size_t field_count = 0;
};

struct CsvTable {
  std::vector<std::string> header;  // empty for an empty file
  std::vector<CsvRecord> records;   // data records, blank lines already skipped
};

// Tokenizes an RFC-4180 CSV file (spec §1.1). Throws InputError naming the file when it cannot be
// read, and file + line when the quoting is malformed. Field counts are not checked here.
CsvTable read_csv_table(const std::string& csv_path);

// Problems found while validating, kept in file order and capped as the spec asks (§1.3).
class ProblemList {
 public:
  static constexpr size_t kMaxShown = 20;

  void add(int64_t line, std::string message);
  size_t count() const { return total_; }
  bool empty() const { return total_ == 0; }
  // Throws InputError with up to kMaxShown messages (one per line) then "… and N more".
  void throw_if_any() const;

 private:
  struct Problem {
    int64_t line;
    std::string message;
  };
  std::vector<Problem> shown_;  // the kMaxShown earliest by line, in order
  size_t total_ = 0;
};

// "<csv>:<line>: column '<name>': <problem> (got '<raw>')", the raw value shortened if huge.
std::string column_problem(const std::string& csv, int64_t line, std::string_view column,
                           std::string_view problem, std::string_view raw);
// Same without the "(got ...)" part.
std::string column_problem(const std::string& csv, int64_t line, std::string_view column,
                           std::string_view problem);

// Value parsers; nullopt when the text is not accepted (spec §1.2).
std::optional<int64_t> parse_label(std::string_view text);          // [+-]digits, fits int64
std::optional<bool> parse_boolean(std::string_view text);           // True/true/TRUE/1/1.0, False/...
std::optional<double> parse_decimal_number(std::string_view text);  // [+-]d[.d][e[+-]d], finite

// root / path with pathlib semantics: an absolute path wins; "." components and repeated
// slashes collapse as str(pathlib.PurePosixPath(...)) does.
std::string join_root_and_path(const std::string& root, const std::string& path);

}  // namespace oml::dataframe_detail
