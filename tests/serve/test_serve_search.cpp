// `oml serve` answers searches as `oml search` does: an uploaded image gets the rows, order and
// distances that `oml search` gives for that image as a CSV query over the same gallery and --post
// chain (re-ranking included); a vector query skips the steps that need the image and says so.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <tuple>

#include "oml/io/npy.h"
#include "serve/serve_test_helpers.h"

namespace oml::serve_test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

struct Ranked {
  int64_t row;
  float distance;
};

// `oml search` over the dataset; the rows of query row `query_row`, in rank order.
std::vector<Ranked> oml_search(const ServeDataset& d, const std::string& post, int top_k) {
  const std::string out = d.dir + "/search_out.csv";
  const auto r =
      run_oml("search --csv " + d.csv + " --root " + images_dir() + " --embeddings " + d.embeddings +
              " --threads 1 --top-k " + std::to_string(top_k) + post + " --out " + out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(read_text(out));
  std::string line;
  std::getline(lines, line);  // header
  std::vector<Ranked> ranked;
  while (std::getline(lines, line)) {
    int64_t query = 0, rank = 0, gallery = 0;
    float distance = 0;
    char c = 0;
    std::istringstream fields(line);
    fields >> query >> c >> rank >> c >> gallery >> c >> distance;
    if (query == d.query_row) ranked.push_back({gallery, distance});
  }
  return ranked;
}

void expect_same_ranking(const json& results, const std::vector<Ranked>& expected) {
  ASSERT_EQ(results.size(), expected.size()) << results.dump();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(results[i]["row"].get<int64_t>(), expected[i].row)
        << "rank " << i + 1 << ": " << results.dump();
    EXPECT_EQ(results[i]["distance"].get<float>(), expected[i].distance) << "rank " << i + 1;
  }
}

using ServeSearch = ServeDatasetTest;

TEST_F(ServeSearch, ImageQueryMatchesOmlSearchWithTheSameChain) {
  const ServeDataset& d = *dataset_;
  const std::string post = " --post qe:n=2 --post " + d.pairwise_spec();
  const std::vector<Ranked> expected = oml_search(d, post, 6);
  ASSERT_EQ(expected.size(), 6u);
  const std::vector<Ranked> knn_only = oml_search(d, "", 6);

  ServerProcess server(d.serve_arguments() + post, d.dir + "/search.log");
  ASSERT_GT(server.wait_until_listening(), 0) << server.log();
  EXPECT_EQ(server.host(), "127.0.0.1");  // the default bind
  httplib::Client client(server.host(), server.port());
  client.set_read_timeout(300);
  const std::string image = read_bytes(d.query_image);

  // Raw bytes, as `curl --data-binary @q.jpg -H 'Content-Type: image/jpeg'` sends them.
  auto raw = client.Post("/search?top_k=6", image, "image/jpeg");
  ASSERT_TRUE(raw) << httplib::to_string(raw.error());
  ASSERT_EQ(raw->status, 200) << raw->body;
  const json body = json::parse(raw->body);
  expect_same_ranking(body["results"], expected);
  EXPECT_EQ(body["skipped"], json::array());
  // The page's "before" list is plain kNN (the chain's first input).
  expect_same_ranking(body["retrieved"], knn_only);
  // Each hit carries its CSV row's label and path.
  const std::vector<std::pair<int, std::string>> csv = {{0, "board.jpg"},     {1, "flower.jpg"},
                                                        {0, "photo.bmp"},     {0, "rgba.png"},
                                                        {2, "f3_422.jpg"},    {2, "f3_420_progressive.jpg"},
                                                        {1, "icon_rgba.png"}, {0, "palette.png"},
                                                        {0, "cmyk.jpg"},      {0, "gray.jpg"}};
  for (const auto& hit : body["results"]) {
    const auto& [label, path] = csv.at(hit["row"].get<size_t>());
    EXPECT_EQ(hit["label"], label);
    EXPECT_EQ(hit["path"], path);
  }

  // The same image as a browser form sends it.
  const httplib::MultipartFormDataItems form = {{"image", image, "q.jpg", "image/jpeg"}};
  auto multipart = client.Post("/search?top_k=6", form);
  ASSERT_TRUE(multipart);
  ASSERT_EQ(multipart->status, 200) << multipart->body;
  EXPECT_EQ(json::parse(multipart->body)["results"], body["results"]);

  // A vector query (the query row's stored embedding) runs qe but not pairwise, and says so.
  const Matrix stored = read_npy(d.embeddings);
  const float* q = stored.row(d.query_row);
  const json vector_query = {{"embedding", std::vector<float>(q, q + stored.cols)}, {"top_k", 6}};
  auto by_vector = client.Post("/search", vector_query.dump(), "application/json");
  ASSERT_TRUE(by_vector);
  ASSERT_EQ(by_vector->status, 200) << by_vector->body;
  const json vector_body = json::parse(by_vector->body);
  EXPECT_EQ(vector_body["skipped"], json::array({d.pairwise_spec()}));
  const std::vector<Ranked> qe_only = oml_search(d, " --post qe:n=2", 6);
  expect_same_ranking(vector_body["results"], qe_only);
  // With the stored vector the distances are exactly `oml search`'s.
  for (size_t i = 0; i < qe_only.size(); ++i)
    EXPECT_EQ(vector_body["results"][i]["distance"].get<float>(), qe_only[i].distance);

  // /embed gives the vector that `oml extract` stored for that image.
  auto embedded = client.Post("/embed", image, "application/octet-stream");
  ASSERT_TRUE(embedded);
  ASSERT_EQ(embedded->status, 200) << embedded->body;
  const auto values = json::parse(embedded->body)["embedding"].get<std::vector<float>>();
  ASSERT_EQ(static_cast<int64_t>(values.size()), stored.cols);
  EXPECT_EQ(values, std::vector<float>(q, q + stored.cols));
}

TEST_F(ServeSearch, ConcurrentRequestsAreBatchedAndAnsweredAsAlone) {
  const ServeDataset& d = *dataset_;
  // A long wait so that the concurrent requests surely meet in one batch.
  ServerProcess server(
      d.serve_arguments() + " --post " + d.pairwise_spec() + " --max-batch 8 --max-wait-us 500000",
      d.dir + "/batch.log");
  ASSERT_GT(server.wait_until_listening(), 0) << server.log();
  const std::vector<std::string> files = {"exif_rotated.jpg", "gray.png", "palette_trns.png", "f3_422.jpg"};
  auto ask = [&](const std::string& file) {
    httplib::Client client(server.host(), server.port());
    client.set_read_timeout(300);
    auto r = client.Post("/search?top_k=5", read_bytes(images_dir() + "/" + file), "image/png");
    return r && r->status == 200 ? json::parse(r->body)["results"] : json(r ? r->body : "no reply");
  };
  std::vector<json> alone;
  for (const auto& file : files) alone.push_back(ask(file));
  std::vector<std::future<json>> together;
  for (int round = 0; round < 2; ++round) {
    for (const auto& file : files) together.push_back(std::async(std::launch::async, ask, file));
  }
  for (size_t i = 0; i < together.size(); ++i) {
    const json answer = together[i].get();
    ASSERT_TRUE(answer.is_array()) << answer;
    EXPECT_EQ(answer.size(), 5u);
    for (size_t r = 0; r < answer.size(); ++r) {
      EXPECT_EQ(answer[r]["row"], alone[i % files.size()][r]["row"])
          << files[i % files.size()] << " rank " << r;
    }
  }
  httplib::Client client(server.host(), server.port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  // 4 requests alone + 8 together: fewer than 12 forwards means some carried several images.
  std::smatch count;
  ASSERT_TRUE(std::regex_search(metrics->body, count, std::regex("oml_batch_images_count (\\d+)")))
      << metrics->body;
  EXPECT_LT(std::stoi(count[1]), 12) << metrics->body;
  EXPECT_THAT(metrics->body, HasSubstr("oml_requests_total{route=\"/search\",status=\"200\"} 12"));
  EXPECT_THAT(metrics->body, HasSubstr("oml_gallery_size 10"));
  EXPECT_THAT(metrics->body,
              HasSubstr("oml_request_duration_seconds_bucket{route=\"/search\",le=\"+Inf\"} 12"));
}

TEST_F(ServeSearch, AFailingItemFailsAloneAndTheRestOfItsBatchIsAnswered) {
  const ServeDataset& d = *dataset_;
  // A copy of the images, so that one gallery image can be broken under the running server.
  const std::string root = d.dir + "/root_copy";
  fs::remove_all(root);
  fs::copy(images_dir(), root, fs::copy_options::recursive);
  std::string arguments = d.serve_arguments();
  arguments.replace(arguments.find(images_dir()), images_dir().size(), root);
  ServerProcess server(arguments + " --post " + d.pairwise_spec() + " --max-batch 8 --max-wait-us 500000",
                       d.dir + "/failing_item.log");
  ASSERT_GT(server.wait_until_listening(), 0) << server.log();
  auto ask = [&](const std::string& file) {
    httplib::Client client(server.host(), server.port());
    client.set_read_timeout(300);
    auto r = client.Post("/search?top_k=4", read_bytes(images_dir() + "/" + file), "image/png");
    return std::make_pair(r ? r->status : -1, r ? json::parse(r->body) : json());
  };
  const std::vector<std::string> files = {"exif_rotated.jpg", "gray.png",  "palette_trns.png",
                                          "f3_422.jpg",       "board.jpg", "flower.jpg"};
  std::vector<std::vector<int64_t>> alone;
  std::map<int64_t, std::string> gallery_paths;
  for (const auto& file : files) {
    const auto [status, body] = ask(file);
    ASSERT_EQ(status, 200) << body;
    std::vector<int64_t> rows;
    for (const auto& result : body["results"]) {
      rows.push_back(result["row"].get<int64_t>());
      gallery_paths[rows.back()] = result["path"].get<std::string>();
    }
    alone.push_back(rows);
  }
  // A gallery row that query `broken` re-ranks (its top 4) and query `fine` does not.
  std::optional<std::tuple<size_t, size_t, int64_t>> choice;
  for (size_t a = 0; a < files.size() && !choice; ++a) {
    for (size_t b = 0; b < files.size() && !choice; ++b) {
      for (const int64_t row : alone[a]) {
        if (std::find(alone[b].begin(), alone[b].end(), row) == alone[b].end()) {
          choice.emplace(a, b, row);
          break;
        }
      }
    }
  }
  ASSERT_TRUE(choice) << "every query re-ranks the same 4 gallery rows";
  const auto [broken, fine, row] = *choice;
  std::ofstream(root + "/" + gallery_paths.at(row), std::ios::trunc) << "not an image any more";

  auto broken_reply = std::async(std::launch::async, ask, files[broken]);
  auto fine_reply = std::async(std::launch::async, ask, files[fine]);
  const auto [broken_status, broken_body] = broken_reply.get();
  const auto [fine_status, fine_body] = fine_reply.get();
  EXPECT_EQ(broken_status, 400) << broken_body;
  EXPECT_THAT(broken_body.value("error", ""), HasSubstr(gallery_paths.at(row))) << broken_body;
  ASSERT_EQ(fine_status, 200) << fine_body;
  std::vector<int64_t> fine_rows;
  for (const auto& result : fine_body["results"]) fine_rows.push_back(result["row"].get<int64_t>());
  EXPECT_EQ(fine_rows, alone[fine]);
}

}  // namespace
}  // namespace oml::serve_test
