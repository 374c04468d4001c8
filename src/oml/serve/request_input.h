#pragma once
// What a request body holds, whatever way the client sent it: raw image bytes (image/* or
// application/octet-stream), a multipart/form-data form (what a browser's file input sends) or
// JSON. Bad input throws HttpError with a 4xx status; handlers never see httplib's body types.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace httplib {
struct Request;
}

namespace oml::serve {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct RequestInput {
  std::optional<std::vector<uint8_t>> image;  // encoded image bytes
  std::optional<nlohmann::json> json;         // a JSON body
  std::optional<nlohmann::json> form;         // multipart text fields as strings
};

RequestInput read_request_input(const httplib::Request& request);

// A field from JSON, the form, or the query string (in that order); nullopt when absent.
std::optional<std::string> text_field(const httplib::Request& request, const RequestInput& input,
                                      const std::string& key);
// An integer field as above; `what` names it in errors. Throws HttpError 400 when malformed.
std::optional<int64_t> integer_field(const httplib::Request& request, const RequestInput& input,
                                     const std::string& key);
// top_k in [1, 10000], default 10.
int64_t read_top_k(const httplib::Request& request, const RequestInput& input);
// The JSON "embedding": `dim` finite numbers, else HttpError 400 saying what is wrong.
std::vector<float> read_embedding(const nlohmann::json& body, int64_t dim);

}  // namespace oml::serve
