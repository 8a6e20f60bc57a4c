// A minimal HTTP/1.1 client for tests and the scrape benchmark: one keep-alive connection to
// 127.0.0.1:port, GET with extra headers, Content-Length and chunked bodies (what the exporter,
// prometheus and alertmanager send). No library, so the benchmark measures the server, not a
// client stack.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace exdm::testing {

struct HttpResponse {
  int status = 0;                              // 0: no response (connection failed, timeout)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // as sent (gzip stays compressed)
  std::string error;
};

class HttpClient {
 public:
  explicit HttpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Get(const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  bool Connect(std::string* error);
  int port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
};

// One-shot convenience.
HttpResponse HttpGet(int port, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

// gunzip; empty string on malformed input.
std::string Gunzip(const std::string& data);
// "user:password" as a Basic Authorization header value.
std::string BasicAuthorization(const std::string& user, const std::string& password);
// %-encoding for query strings.
std::string UrlEncode(const std::string& text);

}  // namespace exdm::testing
