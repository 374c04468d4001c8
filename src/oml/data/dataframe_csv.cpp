#include <csv.h>

#include <memory>

#include "oml/common/errors.h"
#include "oml/common/file_bytes.h"
#include "oml/data/dataframe_internal.h"

namespace oml::dataframe_detail {
namespace {

// libcsv's parser state between records (ROW_NOT_BEGUN in libcsv.c). After a chunk that ends
// with '\n' the parser is in this state unless the newline sits inside a quoted field, which is
// how a record's starting line is known without libcsv reporting lines.
constexpr int kLibcsvRowNotBegun = 0;

// OML's columns hold labels, paths, splits, flags and coordinates: a few hundred bytes a row.
// These limits are far above that and stop a file that is not such a CSV (a binary, one huge
// line, a quote never closed) before it is held field by field, at about 40 bytes per field.
constexpr size_t kMaxLineBytes = size_t{1} << 20;
constexpr size_t kMaxFieldBytes = size_t{64} << 10;

struct TokenizerState {
  CsvTable table;
  std::vector<std::string> fields;
  size_t field_count = 0;  // of the current record, including fields not kept
  int64_t record_start_line = 1;
  bool header_done = false;
  // The first limit a field broke; libcsv calls back from C, so the error is raised after it returns.
  std::string error;
};

bool is_blank_record(const std::vector<std::string>& fields) {
  // A whitespace-only line is a blank line (as pandas' skip_blank_lines), not a 1-field record.
  if (fields.size() != 1) return false;
  return fields[0].find_first_not_of(" \t") == std::string::npos;
}

void on_field(void* text, size_t length, void* data) {
  auto* state = static_cast<TokenizerState*>(data);
  if (!state->error.empty()) return;
  if (length > kMaxFieldBytes) {
    state->error = "field " + std::to_string(state->field_count + 1) + " is " + std::to_string(length) +
                   " bytes long, more than the limit of " + std::to_string(kMaxFieldBytes) +
                   " (a quote never closed?)";
    return;
  }
  ++state->field_count;
  // A row with more fields than the header is refused later (dataframe.cpp), which needs only to
  // know it has more: the surplus is counted, not kept.
  if (state->header_done && state->fields.size() > state->table.header.size()) return;
  state->fields.emplace_back(text == nullptr ? "" : std::string(static_cast<const char*>(text), length));
}

void on_record_end(int /*terminator*/, void* data) {
  auto* state = static_cast<TokenizerState*>(data);
  if (!state->error.empty()) return;
  const size_t field_count = state->field_count;
  state->field_count = 0;
  if (is_blank_record(state->fields)) {
    state->fields.clear();
    return;
  }
  if (!state->header_done) {
    state->table.header = std::move(state->fields);
    state->header_done = true;
  } else {
    state->table.records.push_back({state->record_start_line, std::move(state->fields), field_count});
  }
  state->fields.clear();
  // The moved-from vector lost its storage; avoid regrowing it field by field on every record.
  state->fields.reserve(state->table.header.size());
}

// No trimming: pandas keeps spaces, and " train" must not pass as "train" (spec §1.1).
int never_space(unsigned char) { return 0; }

}  // namespace

CsvTable read_csv_table(const std::string& csv_path) {
  const std::string bytes = read_file_bytes(csv_path, "CSV file");
  size_t offset = 0;
  if (bytes.compare(0, 3, "\xEF\xBB\xBF") == 0) offset = 3;  // UTF-8 byte-order mark

  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) throw std::bad_alloc();
  const std::unique_ptr<csv_parser, void (*)(csv_parser*)> guard(&parser, csv_free);
  csv_set_space_func(&parser, never_space);

  TokenizerState state;
  int64_t line = 1;
  // Feed one physical line at a time so that every record knows the line where it starts.
  while (offset < bytes.size()) {
    const size_t newline = bytes.find('\n', offset);
    const size_t end = newline == std::string::npos ? bytes.size() : newline + 1;
    if (parser.pstate == kLibcsvRowNotBegun) state.record_start_line = line;
    const size_t length = end - offset;
    if (length > kMaxLineBytes) {
      throw InputError(csv_path + ":" + std::to_string(line) + ": line is " + std::to_string(length) +
                       " bytes long, more than the limit of " + std::to_string(kMaxLineBytes) +
                       " (is this an OML CSV file?)");
    }
    if (csv_parse(&parser, bytes.data() + offset, length, on_field, on_record_end, &state) != length) {
      throw InputError(csv_path + ":" + std::to_string(line) +
                       ": malformed CSV quoting: a '\"' inside an unquoted field or text after a closing "
                       "quote (quote such fields and double the inner quotes: \"a \"\"b\"\"\")");
    }
    if (!state.error.empty())
      throw InputError(csv_path + ":" + std::to_string(state.record_start_line) + ": " + state.error);
    offset = end;
    ++line;
  }
  if (csv_fini(&parser, on_field, on_record_end, &state) != 0) {
    throw InputError(csv_path + ":" + std::to_string(state.record_start_line) +
                     ": malformed CSV quoting: a quoted field is never closed");
  }
  if (!state.error.empty())
    throw InputError(csv_path + ":" + std::to_string(state.record_start_line) + ": " + state.error);
  return std::move(state.table);
}

}  // namespace oml::dataframe_detail
