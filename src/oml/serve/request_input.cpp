#include "oml/serve/request_input.h"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>
#include <cmath>

namespace oml::serve {
namespace {

using nlohmann::json;

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

std::optional<int64_t> parse_integer(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

RequestInput read_request_input(const httplib::Request& request) {
  RequestInput input;
  const std::string type = request.get_header_value("Content-Type");
  if (request.is_multipart_form_data()) {
    json form = json::object();
    for (const auto& [name, field] : request.files) {
      if (name == "image") {
        input.image.emplace(field.content.begin(), field.content.end());
      } else {
        form[name] = field.content;
      }
    }
    input.form = std::move(form);
    return input;
  }
  if (starts_with(type, "application/json")) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) throw HttpError(400, "the body is not valid JSON");
    if (!body.is_object()) throw HttpError(400, "the JSON body must be an object");
    input.json = std::move(body);
    return input;
  }
  if (starts_with(type, "image/") || starts_with(type, "application/octet-stream")) {
    input.image.emplace(request.body.begin(), request.body.end());
    return input;
  }
  throw HttpError(415, fmt::format("unsupported Content-Type '{}': send image/*, application/octet-stream, "
                                   "multipart/form-data with a field 'image', or application/json",
                                   type));
}

std::optional<std::string> text_field(const httplib::Request& request, const RequestInput& input,
                                      const std::string& key) {
  for (const auto* source : {&input.json, &input.form}) {
    if (!source->has_value() || !(*source)->contains(key)) continue;
    const json& value = (**source)[key];
    if (value.is_null()) continue;
    return value.is_string() ? value.get<std::string>() : value.dump();
  }
  if (request.has_param(key.c_str())) return request.get_param_value(key.c_str());
  return std::nullopt;
}

std::optional<int64_t> integer_field(const httplib::Request& request, const RequestInput& input,
                                     const std::string& key) {
  const auto text = text_field(request, input, key);
  if (!text) return std::nullopt;
  const auto value = parse_integer(*text);
  if (!value) throw HttpError(400, fmt::format("{} must be an integer (got '{}')", key, *text));
  return value;
}

int64_t read_top_k(const httplib::Request& request, const RequestInput& input) {
  const int64_t top_k = integer_field(request, input, "top_k").value_or(10);
  if (top_k < 1 || top_k > 10000)
    throw HttpError(400, fmt::format("top_k must be in [1, 10000] (got {})", top_k));
  return top_k;
}

std::vector<float> read_embedding(const json& body, int64_t dim) {
  if (!body.contains("embedding")) throw HttpError(400, "the JSON body has no \"embedding\"");
  const json& values = body["embedding"];
  if (!values.is_array()) throw HttpError(400, "\"embedding\" must be an array of numbers");
  if (static_cast<int64_t>(values.size()) != dim) {
    throw HttpError(
        400, fmt::format("\"embedding\" has {} values, the gallery's dimension is {}", values.size(), dim));
  }
  std::vector<float> embedding;
  embedding.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number()) throw HttpError(400, fmt::format("\"embedding\"[{}] is not a number", i));
    const auto value = values[i].get<double>();
    if (!std::isfinite(static_cast<float>(value)))
      throw HttpError(400, fmt::format("\"embedding\"[{}] is not a finite float32", i));
    embedding.push_back(static_cast<float>(value));
  }
  return embedding;
}

}  // namespace oml::serve
