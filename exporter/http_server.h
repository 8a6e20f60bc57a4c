// The exporter's HTTP(S) server: Boost.Asio's event loop on one thread, Boost.Beast's HTTP/1.1
// parser, OpenSSL 3 through asio::ssl (docs/ARCHITECTURE.md "Web layer" says why this and not
// CivetWeb or libmicrohttpd). A scrape copies a shared_ptr to the latest RenderedSnapshot and
// writes its bytes; nothing on the event loop waits for LDAP, disk or bcrypt (comparisons run on
// a thread of their own, one at a time).
//
// No client can starve a scrape: an idle, slow or half-sent connection costs the loop nothing
// while it waits, every phase has a deadline (TLS handshake, request head from its first byte,
// keep-alive idle time, response write), and when the connection cap or the per-client-address
// cap is reached the connection that has waited longest for the client makes room for the new
// one instead of the new one being refused.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "exdm/base/status.h"
#include "listen_address.h"
#include "snapshot.h"
#include "web_settings.h"

namespace exdm::exporter {

struct ServerLimits {
  size_t max_connections = 512;  // well under the default 1024 descriptors a service gets
  size_t max_per_client = 64;    // per client IP address
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds request_timeout{10'000};  // first byte to end of the request head
  std::chrono::milliseconds idle_timeout{120'000};    // keep-alive: covers a 1 min scrape interval
  std::chrono::milliseconds write_timeout{30'000};
  size_t max_header_bytes = 16 * 1024;
};

class HttpServer {
 public:
  // Serves on `sockets` (taken over) until destroyed.
  static Result<std::unique_ptr<HttpServer>> Start(std::vector<ListenSocket> sockets,
                                                   const SnapshotStore& store, WebSettings settings,
                                                   const ServerLimits& limits = ServerLimits());
  ~HttpServer();  // closes every connection and joins its threads
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // New settings (SIGHUP): requests read from now on, and connections accepted from now on, use
  // them; open connections stay open, except that a request on a plain connection after TLS was
  // turned on (or the reverse) closes it unanswered.
  void Apply(WebSettings settings);

  // The ports actually bound, e.g. for ":0" in tests.
  std::vector<int> ports() const;
  // "127.0.0.1:9755 [::1]:9755"
  std::string listening() const;

  struct Impl;  // the event loop and its connections (http_server.cc)

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace exdm::exporter
