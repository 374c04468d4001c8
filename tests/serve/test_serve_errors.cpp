// Bad input gets a 4xx JSON {"error": ...} naming the problem, and the service keeps serving.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "serve/serve_test_helpers.h"

namespace oml::serve_test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// The status and the "error" text of a reply (the body must be JSON with that one key).
std::pair<int, std::string> error_of(const httplib::Result& result) {
  if (!result) return {-1, "no reply: " + httplib::to_string(result.error())};
  const json body = json::parse(result->body, nullptr, false);
  if (body.is_discarded() || !body.contains("error"))
    return {result->status, "not a JSON error: " + result->body};
  return {result->status, body["error"].get<std::string>()};
}

using ServeErrors = ServeDatasetTest;

TEST_F(ServeErrors, BadInputGets4xxJsonAndTheServiceKeepsServing) {
  const ServeDataset* d = dataset_;
  // The 96 x 72 fixtures are between 1x and 2x a limit of 5000 pixels (a warning); board.jpg,
  // 720 x 477, is above 2x.
  ServerProcess server(d->serve_arguments() + " --max-image-pixels 5000 --max-body-bytes 150000",
                       d->dir + "/errors.log");
  ASSERT_GT(server.wait_until_listening(), 0) << server.log();
  httplib::Client client(server.host(), server.port());
  client.set_read_timeout(300);
  const std::string image = read_bytes(images_dir() + "/gray.jpg");

  auto [status, error] =
      error_of(client.Post("/search", read_bytes(images_dir() + "/not_an_image.jpg"), "image/jpeg"));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(error, HasSubstr("upload"));

  std::tie(status, error) =
      error_of(client.Post("/search", read_bytes(images_dir() + "/truncated.png"), "image/png"));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(error, HasSubstr("upload: not a decodable image (corrupt, truncated or unsupported format)"));

  std::tie(status, error) = error_of(client.Post("/search", "", "image/png"));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(error, HasSubstr("empty"));

  std::tie(status, error) =
      error_of(client.Post("/search", read_bytes(images_dir() + "/board.jpg"), "image/jpeg"));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(error,
              HasSubstr("upload: image is 720x477 = 343440 pixels, more than twice the limit of 5000"));

  std::tie(status, error) =
      error_of(client.Post("/search", R"({"embedding": [1, 2, 3]})", "application/json"));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(error, HasSubstr("has 3 values, the gallery's dimension is 512"));

  std::tie(status, error) = error_of(client.Post("/search", R"({"embedding": [1, 2,)", "application/json"));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(error, HasSubstr("not valid JSON"));

  std::tie(status, error) = error_of(client.Post("/search?top_k=0", image, "image/jpeg"));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(error, HasSubstr("top_k must be in [1, 10000]"));

  std::tie(status, error) = error_of(client.Post("/search", image, "text/plain"));
  EXPECT_EQ(status, 415);
  EXPECT_THAT(error, HasSubstr("unsupported Content-Type 'text/plain'"));

  std::tie(status, error) = error_of(client.Post("/search", std::string(200000, 'x'), "image/jpeg"));
  EXPECT_EQ(status, 413);
  EXPECT_THAT(error, HasSubstr("--max-body-bytes"));

  std::tie(status, error) = error_of(client.Delete("/gallery/12345"));
  EXPECT_EQ(status, 404);
  EXPECT_THAT(error, HasSubstr("row 12345 is not in the gallery"));

  std::tie(status, error) = error_of(client.Get("/gallery/10"));  // the query row is not a gallery item
  EXPECT_EQ(status, 404);

  std::tie(status, error) =
      error_of(client.Post("/gallery", R"({"embedding": [1], "label": 3})", "application/json"));
  EXPECT_EQ(status, 400);

  std::tie(status, error) = error_of(client.Post("/gallery", image, "image/jpeg"));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(error, HasSubstr("'label'"));

  std::tie(status, error) = error_of(client.Get("/nowhere"));
  EXPECT_EQ(status, 404);
  EXPECT_THAT(error, HasSubstr("no route GET /nowhere"));

  // Still serving, with the same gallery.
  auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["gallery_size"], 10);
  auto good = client.Post("/search?top_k=3", image, "image/jpeg");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200) << good->body;
  EXPECT_EQ(json::parse(good->body)["results"].size(), 3u);
}

TEST_F(ServeErrors, BadConfigurationExitsWithCode2BeforeListening) {
  const ServeDataset* d = dataset_;
  auto r = run_oml("serve " + d->serve_arguments() + " --post nope:n=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("unknown postprocessor 'nope'"));
  // Embeddings of another model: the dimension check fails before the port opens.
  retrieval_cli::ScratchDir dir("serve_bad_config");
  const std::string other = dir.file("other.npy");
  write_npy(other,
            retrieval_cli::rows_matrix(std::vector<std::vector<float>>(11, std::vector<float>(4, 1.0f))));
  r = run_oml("serve --csv " + d->csv + " --root " + images_dir() + " --embeddings " + other + " --weights " +
              d->extractor + " --arch resnet18 --size 64 --threads 1 --port 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("embeddings have dimension 4 but the extractor gives 512"));
}

}  // namespace
}  // namespace oml::serve_test
