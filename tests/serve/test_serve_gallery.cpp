// Live gallery changes, their durability (kill -9 loses nothing acknowledged) and shutdown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "oml/io/npy.h"
#include "serve/serve_test_helpers.h"

namespace oml::serve_test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

using ServeGallery = ServeDatasetTest;

// A unit vector along axis `i` scaled by 100: far from every real embedding and from each other,
// so a search with it finds exactly that item first, at distance 0.
json probe(int64_t i, int64_t dim) {
  std::vector<float> v(static_cast<size_t>(dim), 0.0f);
  v[static_cast<size_t>(i % dim)] = 100.0f + static_cast<float>(i / dim);
  return v;
}

TEST_F(ServeGallery, AddSearchAndDelete) {
  const ServeDataset& d = *dataset_;
  ServerProcess server(
      d.serve_arguments() + " --post " + d.pairwise_spec() + " --data-dir " + d.dir + "/gallery_a",
      d.dir + "/gallery.log");
  ASSERT_GT(server.wait_until_listening(), 0) << server.log();
  httplib::Client client(server.host(), server.port());
  client.set_read_timeout(300);
  // A flat CMYK colour: unlike the gallery's photos, so the addition is its own nearest item.
  const std::string image = read_bytes(images_dir() + "/cmyk_flat.jpg");

  // An image with a label (a browser form): it gets the first row after the CSV's 11.
  const httplib::MultipartFormDataItems form = {
      {"image", image, "new.png", "image/png"}, {"label", "7", "", ""}, {"path", "uploads/new.jpg", "", ""}};
  auto added = client.Post("/gallery", form);
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 201) << added->body;
  EXPECT_EQ(json::parse(added->body), json({{"row", 11}, {"gallery_size", 11}}));
  auto found = client.Post("/search?top_k=3", image, "image/jpeg");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->status, 200) << found->body;
  const json retrieved = json::parse(found->body)["retrieved"];
  EXPECT_EQ(retrieved[0]["row"], 11);
  EXPECT_EQ(retrieved[0]["label"], 7);
  EXPECT_EQ(retrieved[0]["path"], "uploads/new.jpg");
  // |q|² + |g|² - 2q·g in float32 (the exact index's GEMM form) leaves a little above 0.
  EXPECT_LT(retrieved[0]["distance"].get<double>(), 0.05);
  // The re-ranker read the stored upload too (the item is in its block): still a full answer.
  EXPECT_EQ(json::parse(found->body)["results"].size(), 3u);
  auto thumbnail = client.Get("/gallery/11/image");
  ASSERT_TRUE(thumbnail);
  EXPECT_EQ(thumbnail->status, 200);
  EXPECT_EQ(thumbnail->body, image);
  EXPECT_EQ(thumbnail->get_header_value("Content-Type"), "image/jpeg");

  // An embedding with the path of an existing image (the re-ranker will read it).
  const json item = {{"embedding", probe(3, 512)}, {"label", 9}, {"path", "flower.jpg"}};
  auto by_vector = client.Post("/gallery", item.dump(), "application/json");
  ASSERT_TRUE(by_vector);
  ASSERT_EQ(by_vector->status, 201) << by_vector->body;
  EXPECT_EQ(json::parse(by_vector->body)["row"], 12);
  const json missing = {{"embedding", probe(4, 512)}, {"label", 9}, {"path", "no_such.jpg"}};
  auto refused = client.Post("/gallery", missing.dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_THAT(refused->body, HasSubstr("no_such.jpg"));

  const json query = {{"embedding", probe(3, 512)}, {"top_k", 1}};
  auto nearest = client.Post("/search", query.dump(), "application/json");
  ASSERT_TRUE(nearest);
  EXPECT_EQ(json::parse(nearest->body)["results"][0]["row"], 12);

  // Deleting: the item disappears from answers; a second delete is a 404; CSV rows can go too.
  auto deleted = client.Delete("/gallery/12");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  nearest = client.Post("/search", query.dump(), "application/json");
  EXPECT_NE(json::parse(nearest->body)["results"][0]["row"], 12);
  EXPECT_EQ(client.Delete("/gallery/12")->status, 404);
  EXPECT_EQ(client.Delete("/gallery/0")->status, 200);
  auto after = client.Post("/search?top_k=20", read_bytes(d.query_image), "image/jpeg");
  ASSERT_EQ(after->status, 200) << after->body;
  std::set<int64_t> rows;
  const json after_body = json::parse(after->body);
  for (const auto& hit : after_body["results"]) rows.insert(hit["row"].get<int64_t>());
  EXPECT_EQ(rows, (std::set<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 11}));
  EXPECT_EQ(json::parse(client.Get("/health")->body)["gallery_size"], 10);
}

TEST_F(ServeGallery, KillNineLosesNothingAcknowledged) {
  const ServeDataset& d = *dataset_;
  const std::string data_dir = d.dir + "/gallery_kill";
  fs::remove_all(data_dir);
  // Snapshots every 7 records, so the kill can land in a log, a snapshot or between the two.
  const std::string arguments = d.serve_arguments() + " --data-dir " + data_dir + " --compact-every 7";
  std::mutex mutex;
  std::map<int64_t, int64_t> acknowledged;  // probe index -> row
  std::set<int64_t> acknowledged_deletes;   // rows
  std::set<int64_t> attempted_deletes;      // rows whose delete may or may not have landed
  {
    ServerProcess server(arguments, d.dir + "/kill.log");
    ASSERT_GT(server.wait_until_listening(), 0) << server.log();
    // Four writers add (and sometimes delete) until the server dies under them.
    std::atomic<int64_t> next_probe{0};
    std::atomic<int64_t> acks{0};
    auto writer = [&] {
      httplib::Client client(server.host(), server.port());
      while (true) {
        const int64_t i = next_probe++;
        const json item = {{"embedding", probe(i, 512)}, {"label", i}, {"path", "board.jpg"}};
        auto r = client.Post("/gallery", item.dump(), "application/json");
        if (!r || r->status != 201) return;
        const int64_t row = json::parse(r->body)["row"];
        {
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged[i] = row;
        }
        ++acks;
        if (i % 5 == 0) {
          {
            std::lock_guard<std::mutex> lock(mutex);
            attempted_deletes.insert(row);
          }
          auto removed = client.Delete("/gallery/" + std::to_string(row));
          if (!removed || removed->status != 200) return;
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged_deletes.insert(row);
        }
      }
    };
    std::vector<std::future<void>> writers;
    for (int w = 0; w < 4; ++w) writers.push_back(std::async(std::launch::async, writer));
    auto writers_running = [&] {
      for (auto& w : writers) {
        if (w.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return true;
      }
      return false;
    };
    while (acks < 60 && writers_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server.send(SIGKILL);  // mid-stream: the writers are still sending
    for (auto& w : writers) w.get();
    const int status = server.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }
  ASSERT_GE(acknowledged.size(), 60u);

  ServerProcess restarted(arguments, d.dir + "/kill2.log");
  ASSERT_GT(restarted.wait_until_listening(), 0) << restarted.log();
  httplib::Client client(restarted.host(), restarted.port());
  for (const auto& [i, row] : acknowledged) {
    auto r = client.Get("/gallery/" + std::to_string(row));
    ASSERT_TRUE(r);
    if (acknowledged_deletes.count(row)) {
      EXPECT_EQ(r->status, 404) << "row " << row << " was deleted and acknowledged";
      continue;
    }
    if (attempted_deletes.count(row)) continue;  // cut off by the kill: either outcome is right
    ASSERT_EQ(r->status, 200) << "row " << row << " was acknowledged: " << r->body;
    EXPECT_EQ(json::parse(r->body)["label"], i);
    // And its vector came back exactly: a search finds it at distance 0.
    const json query = {{"embedding", probe(i, 512)}, {"top_k", 1}};
    const json hit =
        json::parse(client.Post("/search", query.dump(), "application/json")->body)["results"][0];
    EXPECT_EQ(hit["row"], row);
    EXPECT_EQ(hit["distance"], 0.0);
  }
  // New additions continue after every id ever handed out.
  const json item = {{"embedding", probe(100000, 512)}, {"label", 1}, {"path", "board.jpg"}};
  auto r = client.Post("/gallery", item.dump(), "application/json");
  ASSERT_TRUE(r);
  int64_t largest = 0;
  for (const auto& [i, row] : acknowledged) largest = std::max(largest, row);
  EXPECT_GT(json::parse(r->body)["row"].get<int64_t>(), largest);
}

TEST_F(ServeGallery, SigtermFinishesRequestsInFlightAndExitsZero) {
  const ServeDataset& d = *dataset_;
  // Requests wait up to a second for company, so they are in flight when the signal comes.
  ServerProcess server(
      d.serve_arguments() + " --max-batch 64 --max-wait-us 1000000 --data-dir " + d.dir + "/gallery_term",
      d.dir + "/term.log");
  ASSERT_GT(server.wait_until_listening(), 0) << server.log();
  std::vector<std::future<int>> requests;
  for (int i = 0; i < 4; ++i) {
    requests.push_back(std::async(std::launch::async, [&] {
      httplib::Client client(server.host(), server.port());
      client.set_read_timeout(300);
      auto r = client.Post("/search?top_k=2", read_bytes(d.query_image), "image/jpeg");
      return r ? r->status : -1;
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server.send(SIGTERM);
  for (auto& request : requests) EXPECT_EQ(request.get(), 200);
  const int status = server.wait();
  ASSERT_TRUE(WIFEXITED(status)) << server.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server.log();
  EXPECT_THAT(server.log(), HasSubstr("finishing requests in flight"));
}

}  // namespace
}  // namespace oml::serve_test
