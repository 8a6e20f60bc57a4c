// The HTTP server in-process, over real loopback sockets and real OpenSSL: bodies of any size over
// plain HTTP and TLS, keep-alive and pipelining, HTTP/1.0, requests it refuses, bodies it does not
// read, settings swapped while serving, connection caps.
#include "http_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "families.h"
#include "http_client.h"
#include "temp_dir.h"
#include "test_pki.h"

namespace exdm::exporter {
namespace {

using testing::HttpClient;
using testing::HttpClientOptions;
using testing::HttpResponse;

// A document of about `stores` x 100 bytes with random GUIDs (gzip cannot shrink those much),
// so even the gzip body spans several TLS records.
void PublishStores(SnapshotStore& store, int stores) {
  auto info = Gauge("exchange_store_info", "Store info.");
  std::mt19937_64 random(20);
  for (int i = 0; i < stores; ++i) {
    char guid[40];
    std::snprintf(guid, sizeof guid, "%016llx%016llx", static_cast<unsigned long long>(random()),
                  static_cast<unsigned long long>(random()));
    AddSample(info, {{"store", "Mailbox Store " + std::to_string(i)}, {"store_guid", guid}}, 1);
  }
  store.Publish("audit", {info}, {true, 1, 1});
}

std::unique_ptr<HttpServer> Serve(const SnapshotStore& store, WebSettings settings = {},
                                  const ServerLimits& limits = {}) {
  auto sockets = OpenListenSockets({"127.0.0.1:0"});
  EXPECT_TRUE(sockets.ok()) << sockets.status().message();
  auto server = HttpServer::Start(std::move(sockets).value(), store, std::move(settings), limits);
  EXPECT_TRUE(server.ok()) << server.status().message();
  return std::move(server).value();
}

// A raw connection: the bytes a client sends, what the server answers until it closes (or 5 s).
std::string Exchange(int port, const std::string& request) {
  const int fd = testing::ConnectLoopback(port);
  if (fd < 0) return "(no connect)";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) {
      answer += "(still open)";
      break;
    }
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() : store_("1.0", "abc") { PublishStores(store_, 4000); }
  SnapshotStore store_;
};

// A scrape's body: the snapshot as serialized, then the process_* lines read for that scrape.
::testing::AssertionResult IsSnapshotThenProcess(const std::string& body, const std::string& text) {
  if (body.compare(0, text.size(), text) != 0) {
    return ::testing::AssertionFailure() << "body does not start with the snapshot";
  }
  if (body.compare(text.size(), 15, "# HELP process_") != 0) {
    return ::testing::AssertionFailure() << "no process_* metrics after the snapshot";
  }
  return ::testing::AssertionSuccess();
}

TEST_F(HttpServerTest, ServesLargeBodiesWholeOverPlainHttpAndTls) {
  ASSERT_GT(store_.Current()->text.size(), 300'000u);
  ASSERT_GT(store_.Current()->gzip.bytes.size(), 16'384u);  // more than one TLS record
  auto plain = Serve(store_);
  HttpClient client(plain->ports().at(0));
  for (int i = 0; i < 3; ++i) {  // keep-alive: the same connection each time
    EXPECT_TRUE(IsSnapshotThenProcess(client.Get("/metrics").body, store_.Current()->text));
    EXPECT_TRUE(IsSnapshotThenProcess(
        testing::Gunzip(client.Get("/metrics", {{"Accept-Encoding", "gzip"}}).body),
        store_.Current()->text));
  }

  testing::TempDir dir("exdm-http-server");
  testing::TestPki pki(dir.path());
  ASSERT_TRUE(pki.ok()) << pki.error();
  TlsServerConfig config;
  config.cert_file = pki.server_cert();
  config.key_file = pki.server_key();
  auto tls = TlsContext::Make(config);
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  WebSettings settings;
  settings.tls = *tls;
  auto secure = Serve(store_, settings);
  HttpClientOptions options;
  options.tls = true;
  options.ca_file = pki.ca_cert();
  HttpClient tls_client(secure->ports().at(0), options);
  for (int i = 0; i < 3; ++i) {
    const HttpResponse text = tls_client.Get("/metrics");
    EXPECT_EQ(text.status, 200) << text.error;
    EXPECT_TRUE(IsSnapshotThenProcess(text.body, store_.Current()->text));
    EXPECT_TRUE(IsSnapshotThenProcess(
        testing::Gunzip(tls_client.Get("/metrics", {{"Accept-Encoding", "gzip"}}).body),
        store_.Current()->text));
  }
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrderAndHttp10Closes) {
  SnapshotStore small("1.0", "abc");
  auto server = Serve(small);
  const int port = server->ports().at(0);
  const std::string two =
      Exchange(port,
               "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
               "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const size_t first = two.find("HTTP/1.1 200 OK");
  const size_t second = two.find("HTTP/1.1 200 OK", first + 1);
  ASSERT_NE(second, std::string::npos) << two;
  EXPECT_NE(two.find("<h1>Exchange Delivery Exporter</h1>"), std::string::npos);
  EXPECT_EQ(two.find("exchange_delivery_exporter_build_info"), std::string::npos)
      << "HEAD sent a body";
  EXPECT_EQ(two.find("(still open)"), std::string::npos) << "Connection: close not honoured";
  const std::string old = Exchange(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << old;
  EXPECT_NE(old.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(old.find("(still open)"), std::string::npos);
}

TEST_F(HttpServerTest, RefusesWhatIsNotARequestItServes) {
  SnapshotStore small("1.0", "abc");
  auto server = Serve(small);
  const int port = server->ports().at(0);
  EXPECT_EQ(Exchange(port, "HELLO\r\n\r\n").rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u);
  const std::string huge = Exchange(
      port, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u) << huge;
  // A body is never read: the answer comes, then the connection closes, whatever is still owed.
  const std::string post =
      Exchange(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npart");
  EXPECT_EQ(post.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << post;
  EXPECT_NE(post.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(post.find("(still open)"), std::string::npos);
  const std::string chunked = Exchange(
      port, "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
  EXPECT_EQ(chunked.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << chunked;
  EXPECT_NE(chunked.find("Connection: close\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, NewSettingsApplyToTheNextRequestOnOpenConnections) {
  SnapshotStore small("1.0", "abc");
  auto server = Serve(small);
  HttpClient client(server->ports().at(0));
  EXPECT_EQ(client.Get("/metrics").status, 200);
  WebSettings guarded;
  auto auth = BasicAuth::Make(
      {{"prometheus", "$2y$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK"}});
  ASSERT_TRUE(auth.ok());
  guarded.auth = *auth;
  guarded.telemetry_path = "/probe";
  guarded.headers = {{"X-Frame-Options", "deny"}};
  server->Apply(guarded);
  const HttpResponse refused = client.Get("/probe");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.headers.at("x-frame-options"), "deny");
  // The first right answer costs one bcrypt comparison (off the event loop), the next none.
  const std::string right = "Basic cHJvbWV0aGV1czpzM2NyZXQ=";  // prometheus:s3cret
  EXPECT_EQ(client.Get("/probe", {{"Authorization", right}}).status, 200);
  const uint64_t runs = (*auth)->bcrypt_runs();
  EXPECT_EQ(client.Get("/probe", {{"Authorization", right}}).status, 200);
  EXPECT_EQ((*auth)->bcrypt_runs(), runs);
  EXPECT_EQ(client.Get("/metrics", {{"Authorization", right}}).status, 404);
}

TEST_F(HttpServerTest, TurningTlsOnClosesPlainConnectionsAtTheirNextRequest) {
  SnapshotStore small("1.0", "abc");
  auto server = Serve(small);
  const int port = server->ports().at(0);
  HttpClient plain(port);
  EXPECT_EQ(plain.Get("/metrics").status, 200);  // kept alive

  testing::TempDir dir("exdm-http-server");
  testing::TestPki pki(dir.path());
  ASSERT_TRUE(pki.ok()) << pki.error();
  TlsServerConfig config;
  config.cert_file = pki.server_cert();
  config.key_file = pki.server_key();
  auto tls = TlsContext::Make(config);
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  WebSettings secure;
  secure.tls = *tls;
  server->Apply(secure);
  // The old connection gets no plaintext answer any more (the client's retry on a new connection
  // meets TLS and fails too); a TLS client is served.
  EXPECT_EQ(plain.Get("/metrics").status, 0);
  HttpClientOptions options;
  options.tls = true;
  options.ca_file = pki.ca_cert();
  EXPECT_EQ(HttpClient(port, options).Get("/metrics").status, 200);
}

// A kept-alive connection that has had one answer and now waits.
int IdleKeptAlive(int port) {
  const int fd = testing::ConnectLoopback(port);
  EXPECT_GE(fd, 0);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  while (answer.find("</html>\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  return fd;
}

// True when the server closed `fd` within `wait`.
bool ClosedByServer(int fd, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
  char c;
  return recv(fd, &c, 1, 0) <= 0;
}

TEST_F(HttpServerTest, ANewConnectionOverTheCapTakesTheSlotOfTheLongestWaiting) {
  SnapshotStore small("1.0", "abc");
  ServerLimits limits;
  limits.max_connections = 3;
  auto server = Serve(small, {}, limits);
  const int port = server->ports().at(0);
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i)
    idle.push_back(IdleKeptAlive(port));
  EXPECT_FALSE(ClosedByServer(idle[0], std::chrono::milliseconds(100)));
  // The fourth is served at once; the first (longest idle) made room, the others stay.
  HttpClient fourth(port);
  EXPECT_EQ(fourth.Get("/metrics").status, 200);
  EXPECT_TRUE(ClosedByServer(idle[0], std::chrono::seconds(2)));
  EXPECT_FALSE(ClosedByServer(idle[1], std::chrono::milliseconds(100)));
  EXPECT_FALSE(ClosedByServer(idle[2], std::chrono::milliseconds(100)));
  for (int fd : idle)
    close(fd);
}

}  // namespace
}  // namespace exdm::exporter
