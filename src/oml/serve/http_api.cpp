#include "oml/serve/http_api.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "oml/common/errors.h"
#include "oml/data/image_io.h"
#include "oml/serve/request_input.h"
#include "oml/serve/web_page.h"

namespace oml::serve {
namespace {

using nlohmann::json;
using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

void reply_json(httplib::Response& response, int status, const json& body) {
  response.status = status;
  // Replace invalid UTF-8 (a file name from the CSV) instead of throwing mid-reply.
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void reply_error(httplib::Response& response, int status, const std::string& message) {
  reply_json(response, status, {{"error", message}});
}

// Times the handler, turns exceptions into JSON errors (bad input 4xx, anything else 500) and
// counts the reply under `route` (a pattern, so row ids do not make new series).
Handler instrumented(Metrics& metrics, std::string route, Handler handler) {
  return [&metrics, route = std::move(route), handler = std::move(handler)](const httplib::Request& request,
                                                                            httplib::Response& response) {
    const auto start = std::chrono::steady_clock::now();
    try {
      handler(request, response);
    } catch (const HttpError& e) {
      reply_error(response, e.status(), e.what());
    } catch (const InputError& e) {
      reply_error(response, 400, e.what());
    } catch (const std::exception& e) {
      reply_error(response, 500, std::string("internal error: ") + e.what());
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    metrics.record_request(route, response.status, elapsed.count());
  };
}

// The shortest decimal that reads back to the same float32 (as `oml search` writes distances),
// not the longer text of the float's double value.
double shortest(float value) { return std::strtod(fmt::format("{}", value).c_str(), nullptr); }

json floats_json(const std::vector<float>& values) {
  json out = json::array();
  for (const float v : values) out.push_back(shortest(v));
  return out;
}

json hits_json(const std::vector<SearchHit>& hits) {
  json out = json::array();
  for (const SearchHit& hit : hits) {
    out.push_back(
        {{"row", hit.row}, {"label", hit.label}, {"path", hit.path}, {"distance", shortest(hit.distance)}});
  }
  return out;
}

std::string content_type_of(const std::string& bytes) {
  if (bytes.rfind("\xFF\xD8", 0) == 0) return "image/jpeg";
  if (bytes.rfind("\x89PNG", 0) == 0) return "image/png";
  if (bytes.rfind("BM", 0) == 0) return "image/bmp";
  if (bytes.rfind("GIF8", 0) == 0) return "image/gif";
  if (bytes.size() > 12 && bytes.compare(0, 4, "RIFF") == 0 && bytes.compare(8, 4, "WEBP") == 0)
    return "image/webp";
  return "application/octet-stream";
}

class Routes {
 public:
  explicit Routes(ApiParts parts) : p_(std::move(parts)) {}

  // Decodes as `oml extract` reads a file (pixel limit first, from the header) and transforms.
  Work image_work(const std::vector<uint8_t>& bytes, bool search, bool keep_image) const {
    if (bytes.empty()) throw HttpError(400, "the image is empty");
    const bool albu = p_.transform.kind == TransformKind::kAlbu;
    Work work;
    ImageRGB8 decoded = decode_image_rgb(bytes, "upload", p_.image_limits);
    work.tensor = apply_transform(albu ? decode_image_rgb_cv2(bytes, "upload", p_.image_limits) : decoded,
                                  p_.transform);
    if (keep_image) work.image = std::move(decoded);
    work.search = search;
    return work;
  }

  WorkResult run(Work work) const { return p_.batcher.submit(std::move(work)).get(); }

  void search(const httplib::Request& request, httplib::Response& response) const {
    const RequestInput input = read_request_input(request);
    const int64_t top_k = read_top_k(request, input);
    Work work;
    if (input.image) {
      work = image_work(*input.image, true, !p_.engine.image_steps().empty());
    } else if (input.json) {
      work.embedding = read_embedding(*input.json, p_.gallery.dim());
      work.search = true;
    } else {
      throw HttpError(400, "send an image (body or form field 'image') or JSON {\"embedding\": [...]}");
    }
    work.top_k = top_k;
    const WorkResult result = run(std::move(work));
    json body = {{"results", hits_json(result.answer.results)},
                 {"retrieved", hits_json(result.answer.retrieved)},
                 {"skipped", result.answer.skipped}};
    reply_json(response, 200, body);
  }

  void embed(const httplib::Request& request, httplib::Response& response) const {
    const RequestInput input = read_request_input(request);
    if (!input.image) throw HttpError(400, "send an image (body or form field 'image')");
    const WorkResult result = run(image_work(*input.image, false, false));
    reply_json(response, 200,
               {{"embedding", floats_json(result.embedding)}, {"dim", result.embedding.size()}});
  }

  void add(const httplib::Request& request, httplib::Response& response) const {
    const RequestInput input = read_request_input(request);
    const auto label = integer_field(request, input, "label");
    if (!label) throw HttpError(400, "a gallery item needs an integer 'label'");
    std::string path = text_field(request, input, "path").value_or("");
    const auto sequence = text_field(request, input, "sequence");
    int64_t row = -1;
    if (input.image) {
      const WorkResult result = run(image_work(*input.image, false, false));
      row = p_.gallery.add(*label, path, sequence, result.embedding, &*input.image);
    } else if (input.json) {
      std::vector<float> embedding = read_embedding(*input.json, p_.gallery.dim());
      if (path.empty()) throw HttpError(400, "an embedding item needs its image 'path'");
      if (p_.pairwise_reads_gallery_images) require_readable(path);
      row = p_.gallery.add(*label, path, sequence, std::move(embedding), nullptr);
    } else {
      throw HttpError(400, "send an image with a 'label', or JSON {\"embedding\", \"path\", \"label\"}");
    }
    reply_json(response, 201, {{"row", row}, {"gallery_size", p_.gallery.size()}});
  }

  void remove(const httplib::Request& request, httplib::Response& response) const {
    const int64_t row = parse_row(request.matches[1]);
    if (!p_.gallery.remove(row)) throw HttpError(404, fmt::format("row {} is not in the gallery", row));
    reply_json(response, 200, {{"removed", row}, {"gallery_size", p_.gallery.size()}});
  }

  void item(const httplib::Request& request, httplib::Response& response) const {
    const int64_t row = parse_row(request.matches[1]);
    const json body = p_.gallery.read([&](const Gallery& gallery) {
      if (!gallery.contains(row)) throw HttpError(404, fmt::format("row {} is not in the gallery", row));
      const DataframeRow& item = gallery.dataframe().rows[static_cast<size_t>(row)];
      return json{{"row", row}, {"label", item.label}, {"path", item.path}};
    });
    reply_json(response, 200, body);
  }

  void image(const httplib::Request& request, httplib::Response& response) const {
    const int64_t row = parse_row(request.matches[1]);
    const std::string file = p_.gallery.read([&](const Gallery& gallery) {
      if (!gallery.contains(row)) throw HttpError(404, fmt::format("row {} is not in the gallery", row));
      return gallery.dataframe().rows[static_cast<size_t>(row)].image_path;
    });
    std::ifstream in(file, std::ios::binary);
    if (!in) throw HttpError(404, fmt::format("row {}: its image cannot be read", row));
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    response.set_content(bytes, content_type_of(bytes).c_str());
  }

  void health(const httplib::Request&, httplib::Response& response) const {
    reply_json(response, 200,
               {{"status", "ok"}, {"gallery_size", p_.gallery.size()}, {"dim", p_.gallery.dim()}});
  }

  void metrics(const httplib::Request&, httplib::Response& response) const {
    response.set_content(p_.metrics.render(p_.gallery.size()), "text/plain; version=0.0.4");
  }

 private:
  // The re-ranker will read this item's image for every query that retrieves it.
  void require_readable(const std::string& path) const {
    const std::string root = p_.gallery.read([](const Gallery& gallery) { return gallery.dataframe().root; });
    const std::filesystem::path given(path);
    const std::filesystem::path file = given.is_absolute() ? given : std::filesystem::path(root) / given;
    if (!std::filesystem::is_regular_file(file)) {
      throw HttpError(400, fmt::format("path '{}': no such image file ({}), and --post pairwise reads it",
                                       path, file.string()));
    }
  }

  static int64_t parse_row(const std::string& text) {
    try {
      return std::stoll(text);
    } catch (const std::exception&) {
      throw HttpError(404, "no such row: " + text);
    }
  }

  ApiParts p_;
};

}  // namespace

void install_routes(httplib::Server& server, ApiParts parts) {
  Metrics& metrics = parts.metrics;
  auto routes = std::make_shared<Routes>(std::move(parts));
  auto bind = [routes](void (Routes::*method)(const httplib::Request&, httplib::Response&) const) {
    return [routes, method](const httplib::Request& q, httplib::Response& r) { ((*routes).*method)(q, r); };
  };
  server.Post("/search", instrumented(metrics, "/search", bind(&Routes::search)));
  server.Post("/embed", instrumented(metrics, "/embed", bind(&Routes::embed)));
  server.Post("/gallery", instrumented(metrics, "/gallery", bind(&Routes::add)));
  server.Delete(R"(/gallery/(\d+))", instrumented(metrics, "/gallery/{row}", bind(&Routes::remove)));
  server.Get(R"(/gallery/(\d+))", instrumented(metrics, "/gallery/{row}", bind(&Routes::item)));
  server.Get(R"(/gallery/(\d+)/image)", instrumented(metrics, "/gallery/{row}/image", bind(&Routes::image)));
  server.Get("/health", instrumented(metrics, "/health", bind(&Routes::health)));
  server.Get("/metrics", instrumented(metrics, "/metrics", bind(&Routes::metrics)));
  server.Get("/", instrumented(metrics, "/", [](const httplib::Request&, httplib::Response& response) {
               response.set_content(web_page_html(), "text/html; charset=utf-8");
             }));
  // Replies httplib makes itself (unknown route 404, body over the limit 413, bad request 400)
  // get the same JSON error shape as ours.
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    std::string message = fmt::format("HTTP status {}", response.status);
    if (response.status == 400) message = "malformed request";
    if (response.status == 404) message = "no route " + request.method + " " + request.path;
    if (response.status == 413) message = "the body is larger than --max-body-bytes";
    reply_error(response, response.status, message);
  });
}

}  // namespace oml::serve
