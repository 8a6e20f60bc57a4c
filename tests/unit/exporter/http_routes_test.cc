// What the exporter answers, without a network: routes, methods, gzip negotiation, headers.
#include "http_routes.h"

#include <gtest/gtest.h>

#include "families.h"

namespace exdm::exporter {
namespace {

TEST(AcceptsGzipTest, FollowsAcceptEncodingTokensAndQValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("identity, gzip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip, br"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("deflate"));
  EXPECT_FALSE(AcceptsGzip("x-gzip2"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
}

class HttpRoutesTest : public ::testing::Test {
 protected:
  HttpRoutesTest() : store_("1.0", "abc") { settings_.headers = {{"X-Frame-Options", "deny"}}; }
  HttpResponse Get(const std::string& target, const std::string& method = "GET",
                   const std::string& accept_encoding = "") {
    return Respond(HttpRequest{method, target, accept_encoding}, settings_, store_);
  }
  SnapshotStore store_;
  WebSettings settings_;
};

TEST_F(HttpRoutesTest, ServesTheSnapshotAsItIs) {
  const HttpResponse plain = Get("/metrics");
  EXPECT_EQ(plain.status(), 200);
  EXPECT_EQ(plain.body(), store_.Current()->text);
  // The process_* metrics are read at each scrape and follow the snapshot.
  EXPECT_EQ(plain.tail().rfind("# HELP process_", 0), 0u) << plain.tail();
  const std::string head = plain.Head(false);
  EXPECT_NE(head.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(head.find("Content-Length: " +
                      std::to_string(store_.Current()->text.size() + plain.tail().size())),
            std::string::npos);
  EXPECT_NE(head.find("X-Frame-Options: deny\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Connection: close"), std::string::npos);
  EXPECT_NE(plain.Head(true).find("Connection: close\r\n"), std::string::npos);

  const HttpResponse gzip = Get("/metrics?x=1", "GET", "gzip");
  EXPECT_EQ(gzip.body(), store_.Current()->gzip.bytes);
  EXPECT_FALSE(gzip.tail().empty());  // the process_* lines and the end of the one gzip stream
  EXPECT_NE(gzip.Head(false).find("Content-Encoding: gzip\r\n"), std::string::npos);
  EXPECT_NE(gzip.Head(false).find("Vary: Accept-Encoding\r\n"), std::string::npos);

  const HttpResponse head_only = Get("/metrics", "HEAD");
  EXPECT_EQ(head_only.status(), 200);
  EXPECT_TRUE(head_only.body().empty());
  EXPECT_TRUE(head_only.tail().empty());
  // What GET would send: the snapshot and the process_* lines of that moment.
  const std::string head_only_head = head_only.Head(false);
  const size_t length_at = head_only_head.find("Content-Length: ");
  ASSERT_NE(length_at, std::string::npos);
  EXPECT_GT(std::stoul(head_only_head.substr(length_at + 16)), store_.Current()->text.size());
}

TEST_F(HttpRoutesTest, LandingPageNotFoundAndMethods) {
  const HttpResponse landing = Get("/");
  EXPECT_EQ(landing.status(), 200);
  EXPECT_NE(landing.body().find("<a href=\"/metrics\">"), std::string::npos);
  EXPECT_EQ(Get("/metrics/extra").status(), 404);
  EXPECT_EQ(Get("/favicon.ico").status(), 404);
  const HttpResponse post = Get("/metrics", "POST");
  EXPECT_EQ(post.status(), 405);
  EXPECT_NE(post.Head(true).find("Allow: GET, HEAD\r\n"), std::string::npos);
  settings_.telemetry_path = "/probe";
  EXPECT_EQ(Get("/probe").status(), 200);
  EXPECT_EQ(Get("/metrics").status(), 404);
}

TEST_F(HttpRoutesTest, UnauthorizedChallengesForBasicAuth) {
  const HttpResponse refused = Unauthorized(settings_);
  EXPECT_EQ(refused.status(), 401);
  const std::string head = refused.Head(false);
  EXPECT_NE(head.find("WWW-Authenticate: Basic realm=\"exchange_delivery_exporter\"\r\n"),
            std::string::npos);
  EXPECT_NE(head.find("X-Frame-Options: deny\r\n"), std::string::npos);
  EXPECT_EQ(refused.body().find("exchange_"), std::string::npos);
}

}  // namespace
}  // namespace exdm::exporter
