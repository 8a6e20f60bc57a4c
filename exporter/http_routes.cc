#include "http_routes.h"

#include <strings.h>

#include "families.h"
#include "gzip.h"
#include "process_metrics.h"

namespace exdm::exporter {
namespace {

const char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

HttpResponse WithSettings(HttpResponse response, const WebSettings& settings) {
  for (const auto& [name, value] : settings.headers)
    response.AddHeader(name, value);
  return response;
}

HttpResponse Text(int status, const WebSettings& settings) {
  return WithSettings(
      HttpResponse(status, "text/plain; charset=utf-8", std::string(Reason(status)) + "\n"),
      settings);
}

std::string LandingPage(const std::string& telemetry_path) {
  return "<!DOCTYPE html>\n<html><head><title>Exchange Delivery Exporter</title></head>\n<body>\n"
         "<h1>Exchange Delivery Exporter</h1>\n"
         "<p>SMTP mailbox integrity, local delivery stalls and store driver events of Exchange "
         "2000/2003, refreshed in the background.</p>\n<p><a href=\"" +
         telemetry_path + "\">Metrics</a></p>\n</body></html>\n";
}

}  // namespace

HttpResponse::HttpResponse(int status, std::string content_type, std::string body)
    : status_(status), owned_body_(std::move(body)) {
  AddHeader("Content-Type", std::move(content_type));
}

HttpResponse::HttpResponse(int status, std::string content_type,
                           std::shared_ptr<const RenderedSnapshot> keep, const std::string& body)
    : status_(status), keep_(std::move(keep)), shared_body_(&body) {
  AddHeader("Content-Type", std::move(content_type));
}

std::string HttpResponse::Head(bool close) const {
  std::string head = "HTTP/1.1 " + std::to_string(status_) + " " + Reason(status_) + "\r\n";
  for (const auto& [name, value] : headers_)
    head += name + ": " + value + "\r\n";
  const size_t length = (shared_body_ ? shared_body_->size() : owned_body_.size()) + tail_.size();
  head += "Content-Length: " + std::to_string(length) + "\r\n";
  if (close) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
}

bool AcceptsGzip(std::string_view rest) {
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

HttpResponse Respond(const HttpRequest& request, const WebSettings& settings,
                     const SnapshotStore& store) {
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) {
    HttpResponse refused = Text(405, settings);
    refused.AddHeader("Allow", "GET, HEAD");
    return refused;
  }
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == settings.telemetry_path) {
    std::shared_ptr<const RenderedSnapshot> snapshot = store.Current();
    const bool gzip = AcceptsGzip(request.accept_encoding);
    // The snapshot as serialized in the background, then the process_* lines read right now.
    const std::string process = RenderFamilies(ProcessFamilies());
    const std::string& body = gzip ? snapshot->gzip.bytes : snapshot->text;
    HttpResponse metrics(200, kMetricsContentType, snapshot, body);
    metrics.SetTail(gzip ? GzipFinish(snapshot->gzip, process) : process);
    if (gzip) metrics.AddHeader("Content-Encoding", "gzip");
    metrics.AddHeader("Vary", "Accept-Encoding");
    HttpResponse out = WithSettings(std::move(metrics), settings);
    if (head) out.OmitBody();
    return out;
  }
  if (path == "/") {
    HttpResponse landing = WithSettings(
        HttpResponse(200, "text/html; charset=utf-8", LandingPage(settings.telemetry_path)),
        settings);
    if (head) landing.OmitBody();
    return landing;
  }
  HttpResponse missing = Text(404, settings);
  if (head) missing.OmitBody();
  return missing;
}

HttpResponse Unauthorized(const WebSettings& settings) {
  HttpResponse response = Text(401, settings);
  response.AddHeader("WWW-Authenticate", "Basic realm=\"exchange_delivery_exporter\"");
  return response;
}

HttpResponse Refusal(int status, const WebSettings& settings) {
  return Text(status, settings);
}

}  // namespace exdm::exporter
