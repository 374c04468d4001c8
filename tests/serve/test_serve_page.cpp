// The page at `/` in headless Chromium (as the report is tested): it searches with an image and
// shows the ranked gallery as thumbnails that load, before and after re-ranking.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "serve/serve_test_helpers.h"

namespace oml::serve_test {
namespace {

using ::testing::HasSubstr;

int count_matches(const std::string& text, const std::regex& pattern) {
  return static_cast<int>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), pattern), std::sregex_iterator()));
}

using ServePage = ServeDatasetTest;

TEST_F(ServePage, SearchesAndShowsThumbnailsInChromium) {
  const std::string chromium = "/usr/bin/chromium";
  ASSERT_TRUE(fs::exists(chromium)) << "chromium is installed by scripts/install-deps.sh";
  const ServeDataset* d = dataset_;
  ServerProcess server(d->serve_arguments() + " --post " + d->pairwise_spec(), d->dir + "/page.log");
  ASSERT_GT(server.wait_until_listening(), 0) << server.log();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/?example=0";
  const std::string flags =
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
      " --disable-component-update --disable-sync --user-data-dir=" +
      d->dir + "/chromium-profile" + " --virtual-time-budget=20000 ";
  const std::string dom_file = d->dir + "/page_dom.html";
  ASSERT_EQ(
      std::system((chromium + flags + "--dump-dom '" + url + "' > " + dom_file + " 2> /dev/null").c_str()),
      0);
  const std::string dom = read_text(dom_file);
  EXPECT_THAT(dom, HasSubstr("data-done=\"yes\"")) << dom;
  EXPECT_THAT(dom, HasSubstr("gallery: 10 items, dimension 512"));
  // Ten results after and ten before, each a thumbnail of its row.
  EXPECT_EQ(count_matches(dom, std::regex("class=\"hit\"")), 20) << dom;
  EXPECT_EQ(count_matches(dom, std::regex("<img src=\"/gallery/\\d+/image\"")), 20);
  EXPECT_THAT(dom, HasSubstr("<div>#1 row 0 label 0 d="));  // the "before" list finds the image itself
  EXPECT_THAT(dom, HasSubstr("data-loaded=\"20\""));
}

}  // namespace
}  // namespace oml::serve_test
