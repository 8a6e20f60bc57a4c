// A minimal HTTP/1.1 client for tests and the scrape benchmarks: one keep-alive connection to a
// loopback port (IPv4 or IPv6), plain or TLS (OpenSSL, verifying the server against a CA file,
// optionally presenting a client certificate), GET with extra headers, Content-Length or chunked
// bodies (what the exporter, prometheus and alertmanager send), and raw bytes for tests of
// half-sent requests. No HTTP library, so a benchmark measures the server, not a client stack.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace exdm::testing {

struct HttpResponse {
  int status = 0;                              // 0: no response (connection failed, timeout)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // as sent (gzip stays compressed)
  std::string error;                           // why status is 0 (TLS: OpenSSL's reason)
};

struct HttpClientOptions {
  std::string host = "127.0.0.1";  // an IP literal: "127.0.0.1", "::1"
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
  bool tls = false;
  std::string ca_file;    // TLS: the server's certificate must chain to it and name `host`
  std::string cert_file;  // TLS: client certificate and key (mutual TLS), if set
  std::string key_file;
};

class HttpClient {
 public:
  explicit HttpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  HttpClient(int port, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Get(const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& headers = {});
  // Connects if needed (TLS: with the handshake) and writes `bytes` as they are, e.g. part of a
  // request. False when the connection or the write failed.
  bool SendRaw(const std::string& bytes);

 private:
  struct Tls;
  bool Connect(std::string* error);
  void Disconnect();
  bool SendAll(const std::string& data);
  // > 0 bytes, 0 closed, -1 error or timeout (`*error` says which).
  long Receive(char* buffer, size_t size, std::chrono::steady_clock::time_point deadline,
               std::string* error);

  int port_;
  HttpClientOptions options_;
  int fd_ = -1;
  std::unique_ptr<Tls> tls_;
};

// One-shot convenience.
HttpResponse HttpGet(int port, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& headers = {});
HttpResponse HttpGet(int port, const HttpClientOptions& options, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

// A plain TCP connection to 127.0.0.1:port (blocking, close-on-exec), -1 when refused: for tests
// that send bytes no HTTP client would.
int ConnectLoopback(int port);

// gunzip; empty string on malformed input.
std::string Gunzip(const std::string& data);
// "user:password" as a Basic Authorization header value.
std::string BasicAuthorization(const std::string& user, const std::string& password);
// %-encoding for query strings.
std::string UrlEncode(const std::string& text);

}  // namespace exdm::testing
