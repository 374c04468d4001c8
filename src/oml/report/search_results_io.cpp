#include "oml/report/search_results_io.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <unordered_map>

#include "oml/common/errors.h"

namespace oml {
namespace {

// `oml search` writes lines of four numbers, under 80 bytes; anything far longer is not its output.
constexpr size_t kMaxLineBytes = 4096;

// std::getline with a bound: a file of one huge line is refused after reading kMaxLineBytes of it.
// False at the end of the input.
bool read_line(std::streambuf* buffer, std::string& line, const std::string& path, int64_t line_number) {
  line.clear();
  while (true) {
    const int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) return !line.empty();
    if (c == '\n') return true;
    if (line.size() == kMaxLineBytes) {
      throw InputError(path + ":" + std::to_string(line_number) + ": line is longer than " +
                       std::to_string(kMaxLineBytes) + " bytes (not a file written by oml search?)");
    }
    line.push_back(static_cast<char>(c));
  }
}

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

int64_t parse_integer(const std::string& text, const std::string& where, const char* column) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw InputError(where + ": column '" + column + "': expected an integer (got '" + text + "')");
  }
  return value;
}

float parse_distance(const std::string& text, const std::string& where) {
  try {
    size_t used = 0;
    const float value = std::stof(text, &used);
    if (used == text.size() && !std::isnan(value)) return value;
  } catch (const std::exception&) {
  }
  throw InputError(where + ": column 'distance': expected a number (got '" + text + "')");
}

std::unordered_map<int64_t, int64_t> position_by_row(const std::vector<int64_t>& rows) {
  std::unordered_map<int64_t, int64_t> positions;
  for (size_t i = 0; i < rows.size(); ++i) positions.emplace(rows[i], static_cast<int64_t>(i));
  return positions;
}

}  // namespace

RetrievalResults read_search_results(const std::string& path, const RetrievalProblem& problem) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open search results");
  RetrievalResults results;
  results.query_rows = problem.query_rows;
  results.gallery_rows = problem.gallery_rows;
  results.lists.resize(problem.query_rows.size());
  const auto query_position = position_by_row(problem.query_rows);
  const auto gallery_position = position_by_row(problem.gallery_rows);

  std::string line;
  if (!read_line(in.rdbuf(), line, path, 1)) throw InputError(path + ":1: empty file, expected a header");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line != "query_row,rank,gallery_row,distance") {
    throw InputError(path + ":1: expected the header 'query_row,rank,gallery_row,distance' (got '" + line +
                     "')");
  }
  int64_t line_number = 1;
  while (read_line(in.rdbuf(), line, path, line_number + 1)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(line_number);
    const auto fields = split_commas(line);
    if (fields.size() != 4) {
      throw InputError(where + ": expected 4 fields, got " + std::to_string(fields.size()));
    }
    const int64_t query_row = parse_integer(fields[0], where, "query_row");
    const int64_t rank = parse_integer(fields[1], where, "rank");
    const int64_t gallery_row = parse_integer(fields[2], where, "gallery_row");
    const float distance = parse_distance(fields[3], where);
    const auto q = query_position.find(query_row);
    if (q == query_position.end()) {
      throw InputError(where + ": column 'query_row': row " + fields[0] +
                       " is not a validation query of the CSV");
    }
    const auto g = gallery_position.find(gallery_row);
    if (g == gallery_position.end()) {
      throw InputError(where + ": column 'gallery_row': row " + fields[2] +
                       " is not a validation gallery item of the CSV");
    }
    auto& list = results.lists[static_cast<size_t>(q->second)];
    if (rank != static_cast<int64_t>(list.size()) + 1) {
      throw InputError(where + ": column 'rank': expected " + std::to_string(list.size() + 1) + " (got " +
                       fields[1] + ")");
    }
    list.push_back({static_cast<int32_t>(g->second), distance});
  }
  return results;
}

}  // namespace oml
