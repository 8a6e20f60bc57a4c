// What the exporter answers, apart from how bytes move (http_server.cc does that): the telemetry
// path serves the latest RenderedSnapshot as-is plus the process_* metrics read at that moment
// (gzip when the client accepts it: one stream, the snapshot's compressed prefix and the
// process lines' end), "/" a small
// landing page, anything else 404; methods other than GET and HEAD 405. Authentication happens
// before any of this (Unauthorized()). Every response carries the configured extra headers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "snapshot.h"
#include "web_settings.h"

namespace exdm::exporter {

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // "/metrics?x=y"
  std::string accept_encoding;
};

class HttpResponse {
 public:
  HttpResponse(int status, std::string content_type, std::string body);
  // A response whose body is one of the snapshot's documents (no copy).
  HttpResponse(int status, std::string content_type, std::shared_ptr<const RenderedSnapshot> keep,
               const std::string& body);

  void AddHeader(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
  }
  void OmitBody() { head_only_ = true; }  // HEAD: the headers GET would get
  int status() const { return status_; }
  std::string_view body() const {
    if (head_only_) return {};
    return shared_body_ ? std::string_view(*shared_body_) : std::string_view(owned_body_);
  }
  // Bytes sent after body(): the process_* metrics read for this scrape (or their gzip end).
  void SetTail(std::string tail) { tail_ = std::move(tail); }
  std::string_view tail() const {
    return head_only_ ? std::string_view() : std::string_view(tail_);
  }
  // Status line and headers, with Content-Length and, when `close`, Connection: close.
  std::string Head(bool close) const;

 private:
  int status_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string owned_body_;
  std::shared_ptr<const RenderedSnapshot> keep_;
  const std::string* shared_body_ = nullptr;
  std::string tail_;
  bool head_only_ = false;
};

// The answer to an authenticated (or auth-free) request.
HttpResponse Respond(const HttpRequest& request, const WebSettings& settings,
                     const SnapshotStore& store);
// 401 with the Basic challenge.
HttpResponse Unauthorized(const WebSettings& settings);
// A request the server refuses before routing it (400, 431, ...): a short text body.
HttpResponse Refusal(int status, const WebSettings& settings);

// True when an Accept-Encoding header value accepts gzip (token "gzip" without q=0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace exdm::exporter
