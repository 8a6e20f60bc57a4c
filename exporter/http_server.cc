#include "http_server.h"

#include <civetweb.h>

#include <cctype>
#include <cstring>
#include <utility>

#include "gzip.h"
#include "log.h"
#include "process_metrics.h"

namespace exdm::exporter {
namespace {

const char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return std::stoi(s) <= 65535;
}

bool IsIpv4Literal(const std::string& s) {
  int dots = 0;
  size_t digits = 0;
  for (char c : s) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c)) && ++digits <= 3) {
      continue;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

int LogCivetMessage(const mg_connection*, const char* message) {
  Log(LogPriority::kWarning, std::string("http: ") + message);
  return 1;  // handled: CivetWeb writes nothing itself
}

void SendText(mg_connection* conn, int status, const char* content_type, const std::string& body,
              bool head_only) {
  mg_response_header_start(conn, status);
  mg_response_header_add(conn, "Content-Type", content_type, -1);
  const std::string length = std::to_string(body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_send(conn);
  if (!head_only) mg_write(conn, body.data(), body.size());
}

}  // namespace

Result<std::string> ToCivetListeningPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return Status(ErrorCode::kInvalidArgument,
                  "listen address " + address + " must be [HOST]:PORT, e.g. :9755");
  }
  const std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (!AllDigits(port)) {
    return Status(ErrorCode::kInvalidArgument, "listen address " + address + ": bad port");
  }
  if (host.empty()) return port;
  if (host == "localhost") return "127.0.0.1:" + port;
  if (IsIpv4Literal(host)) return host + ":" + port;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host + ":" + port;
  return Status(ErrorCode::kInvalidArgument,
                "listen address " + address + ": give an IP address (or localhost), not a name");
}

bool AcceptsGzip(const char* accept_encoding) {
  if (accept_encoding == nullptr) return false;
  std::string_view rest(accept_encoding);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t semi = item.find(';');
    std::string_view token = item.substr(0, semi);
    std::string_view params = semi == std::string_view::npos ? "" : item.substr(semi + 1);
    while (!token.empty() && token.front() == ' ')
      token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ')
      token.remove_suffix(1);
    if (token.size() != 4 || strncasecmp(token.data(), "gzip", 4) != 0) continue;
    // "q=0", "q=0.0", "q=0.000" refuse gzip; any other q accepts it.
    const size_t q = params.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view value = params.substr(q + 2);
    bool zero = !value.empty() && value.front() == '0';
    for (size_t i = 1; zero && i < value.size() && value[i] != ' '; ++i) {
      if (value[i] != '.' && value[i] != '0') zero = false;
    }
    return !zero;
  }
  return false;
}

HttpServer::HttpServer(const SnapshotStore& store, std::string telemetry_path,
                       std::shared_ptr<BasicAuth> auth)
    : store_(store), telemetry_path_(std::move(telemetry_path)), auth_(std::move(auth)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::vector<std::string>& listen,
                                                      const std::string& telemetry_path,
                                                      const SnapshotStore& store,
                                                      std::shared_ptr<BasicAuth> auth) {
  std::string ports;
  for (const std::string& address : listen) {
    Result<std::string> port = ToCivetListeningPort(address);
    if (!port.ok()) return port.status();
    if (!ports.empty()) ports += ",";
    ports += *port;
  }
  std::unique_ptr<HttpServer> server(new HttpServer(store, telemetry_path, std::move(auth)));
  server->listening_ = ports;
  const char* options[] = {
      "listening_ports", ports.c_str(),
      // Scrapes are cheap (a buffer copy); a few threads serve several Prometheus servers and a
      // browser. Keep-alive saves Prometheus a TCP handshake per scrape.
      "num_threads", "4", "enable_keep_alive", "yes", "keep_alive_timeout_ms", "60000",
      "request_timeout_ms", "10000", "tcp_nodelay", "1", nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  callbacks.log_message = LogCivetMessage;
  mg_init_library(0);
  server->context_ = mg_start(&callbacks, server.get(), options);
  if (server->context_ == nullptr) {
    mg_exit_library();
    return Status(ErrorCode::kIoError, "cannot listen on " + ports);
  }
  mg_set_request_handler(server->context_, (telemetry_path + "$").c_str(), HandleMetrics,
                         server.get());
  mg_set_request_handler(server->context_, "/$", HandleLanding, server.get());
  return server;
}

HttpServer::~HttpServer() {
  if (context_ != nullptr) {
    mg_stop(context_);
    mg_exit_library();
  }
}

void HttpServer::SetAuth(std::shared_ptr<BasicAuth> auth) {
  std::lock_guard<std::mutex> lock(auth_mutex_);
  auth_ = std::move(auth);
}

std::vector<int> HttpServer::ports() const {
  mg_server_port list[8];
  const int n = mg_get_server_ports(context_, 8, list);
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    out.push_back(list[i].port);
  return out;
}

bool HttpServer::Admit(mg_connection* conn) {
  const mg_request_info* request = mg_get_request_info(conn);
  std::shared_ptr<BasicAuth> auth;
  {
    std::lock_guard<std::mutex> lock(auth_mutex_);
    auth = auth_;
  }
  if (auth && !auth->Allows(mg_get_header(conn, "Authorization"))) {
    mg_response_header_start(conn, 401);
    mg_response_header_add(conn, "WWW-Authenticate", "Basic realm=\"exchange_delivery_exporter\"",
                           -1);
    mg_response_header_add(conn, "Content-Type", "text/plain", -1);
    mg_response_header_add(conn, "Content-Length", "13", -1);
    mg_response_header_send(conn);
    mg_write(conn, "Unauthorized\n", 13);
    return false;
  }
  if (std::strcmp(request->request_method, "GET") != 0 &&
      std::strcmp(request->request_method, "HEAD") != 0) {
    SendText(conn, 405, "text/plain", "Method Not Allowed\n", false);
    return false;
  }
  return true;
}

int HttpServer::HandleMetrics(mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<HttpServer*>(self_ptr);
  if (!self->Admit(conn)) return 1;
  const bool head = std::strcmp(mg_get_request_info(conn)->request_method, "HEAD") == 0;
  const std::shared_ptr<const RenderedSnapshot> snapshot = self->store_.Current();
  const bool gzip = AcceptsGzip(mg_get_header(conn, "Accept-Encoding"));
  // The snapshot as serialized in the background, then the process_* lines read right now.
  const std::string process = RenderFamilies(ProcessFamilies());
  const std::string& body = gzip ? snapshot->gzip.bytes : snapshot->text;
  const std::string tail = gzip ? GzipFinish(snapshot->gzip, process) : process;
  mg_response_header_start(conn, 200);
  mg_response_header_add(conn, "Content-Type", kMetricsContentType, -1);
  if (gzip) mg_response_header_add(conn, "Content-Encoding", "gzip", -1);
  mg_response_header_add(conn, "Vary", "Accept-Encoding", -1);
  const std::string length = std::to_string(body.size() + tail.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_send(conn);
  if (!head) {
    mg_write(conn, body.data(), body.size());
    mg_write(conn, tail.data(), tail.size());
  }
  return 200;
}

int HttpServer::HandleLanding(mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<HttpServer*>(self_ptr);
  if (!self->Admit(conn)) return 1;
  const bool head = std::strcmp(mg_get_request_info(conn)->request_method, "HEAD") == 0;
  const std::string body =
      "<!DOCTYPE html>\n<html><head><title>Exchange Delivery Exporter</title></head>\n<body>\n"
      "<h1>Exchange Delivery Exporter</h1>\n"
      "<p>SMTP mailbox integrity, local delivery stalls and store driver events of Exchange "
      "2000/2003, refreshed in the background.</p>\n<p><a href=\"" +
      self->telemetry_path_ + "\">Metrics</a></p>\n</body></html>\n";
  SendText(conn, 200, "text/html; charset=utf-8", body, head);
  return 200;
}

}  // namespace exdm::exporter
