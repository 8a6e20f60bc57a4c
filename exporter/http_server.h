// The HTTP side: CivetWeb with our own handlers. /metrics (or --web.telemetry-path) writes the
// latest RenderedSnapshot as-is plus the process_* lines read at that moment (gzip when the
// client accepts it), "/" is a small landing page, everything else is 404. Basic auth, when
// configured, guards every path. Binds only the given addresses. prometheus-cpp's Exposer is not
// used on the scrape path: it collects and serializes on every scrape (see tests/bench for the
// measurement).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "basic_auth.h"
#include "exdm/base/status.h"
#include "snapshot.h"

struct mg_context;
struct mg_connection;

namespace exdm::exporter {

// Prometheus-style listen address to CivetWeb's listening_ports syntax:
// ":9755" -> "9755" (all IPv4 interfaces), "127.0.0.1:9755", "[::1]:9755", "localhost:9755" ->
// "127.0.0.1:9755". Host names other than localhost are refused: CivetWeb does not resolve them.
Result<std::string> ToCivetListeningPort(const std::string& address);

// True when an Accept-Encoding header value accepts gzip (token "gzip" without q=0).
bool AcceptsGzip(const char* accept_encoding);

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Start(const std::vector<std::string>& listen,
                                                   const std::string& telemetry_path,
                                                   const SnapshotStore& store,
                                                   std::shared_ptr<BasicAuth> auth);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Swaps the credentials (SIGHUP) without dropping connections.
  void SetAuth(std::shared_ptr<BasicAuth> auth);
  // The ports actually bound, e.g. for ":0" in tests.
  std::vector<int> ports() const;
  const std::string& listening() const { return listening_; }

 private:
  HttpServer(const SnapshotStore& store, std::string telemetry_path,
             std::shared_ptr<BasicAuth> auth);
  static int HandleMetrics(mg_connection* conn, void* self);
  static int HandleLanding(mg_connection* conn, void* self);
  // False after sending the 401/405 the request deserves.
  bool Admit(mg_connection* conn);

  const SnapshotStore& store_;
  const std::string telemetry_path_;
  std::string listening_;
  mutable std::mutex auth_mutex_;
  std::shared_ptr<BasicAuth> auth_;
  mg_context* context_ = nullptr;
};

}  // namespace exdm::exporter
