#include "http_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace exdm::testing {

HttpClient::HttpClient(int port, std::chrono::milliseconds timeout)
    : port_(port), timeout_(timeout) {}

HttpClient::~HttpClient() {
  if (fd_ >= 0) close(fd_);
}

bool HttpClient::Connect(std::string* error) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    close(fd_);
    fd_ = -1;
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

namespace {

// A chunked body ("<hex size>\r\n<data>\r\n" ... "0\r\n\r\n", no trailers: Go's net/http
// sends bodies it cannot size up front this way, e.g. Alertmanager's API).
bool ChunkedBodyComplete(const std::string& data, size_t body_start) {
  size_t at = body_start;
  for (;;) {
    const size_t eol = data.find("\r\n", at);
    if (eol == std::string::npos) return false;
    const size_t size = std::strtoul(data.substr(at, eol - at).c_str(), nullptr, 16);
    if (size == 0) return data.size() >= eol + 4;
    at = eol + 2 + size + 2;
    if (at > data.size()) return false;
  }
}

std::string DecodeChunked(const std::string& body) {
  std::string out;
  size_t at = 0;
  for (;;) {
    const size_t eol = body.find("\r\n", at);
    if (eol == std::string::npos) return out;
    const size_t size = std::strtoul(body.substr(at, eol - at).c_str(), nullptr, 16);
    if (size == 0) return out;
    out += body.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
}

}  // namespace

HttpResponse HttpClient::Get(const std::string& path,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResponse response;
  for (int attempt = 0; attempt < 2; ++attempt) {  // a kept-alive connection may have closed
    const bool fresh = fd_ < 0;
    if (fd_ < 0 && !Connect(&response.error)) return response;
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : headers)
      request += name + ": " + value + "\r\n";
    request += "\r\n";
    if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      close(fd_);
      fd_ = -1;
      if (fresh) {
        response.error = "send failed";
        return response;
      }
      continue;
    }
    std::string data;
    size_t header_end = std::string::npos;
    size_t content_length = 0;
    bool have_length = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    char buffer[65536];
    bool chunked = false;
    for (;;) {
      if (header_end != std::string::npos && have_length &&
          data.size() >= header_end + 4 + content_length) {
        break;
      }
      if (chunked && ChunkedBodyComplete(data, header_end + 4)) break;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        response.error = "timeout";
        close(fd_);
        fd_ = -1;
        return response;
      }
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      data.append(buffer, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          const std::string head = data.substr(0, header_end);
          size_t line_start = head.find("\r\n");
          response.status = std::atoi(head.substr(9, 3).c_str());
          while (line_start != std::string::npos) {
            const size_t next = head.find("\r\n", line_start + 2);
            const std::string line =
                head.substr(line_start + 2,
                            next == std::string::npos ? std::string::npos : next - line_start - 2);
            const size_t colon = line.find(':');
            if (colon != std::string::npos) {
              std::string name = line.substr(0, colon);
              for (char& c : name)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
              size_t v = colon + 1;
              while (v < line.size() && line[v] == ' ')
                ++v;
              response.headers[name] = line.substr(v);
            }
            line_start = next;
          }
          const auto it = response.headers.find("content-length");
          if (it != response.headers.end()) {
            have_length = true;
            content_length = std::stoul(it->second);
          }
          const auto te = response.headers.find("transfer-encoding");
          chunked = te != response.headers.end() && te->second == "chunked";
        }
      }
    }
    if (header_end == std::string::npos) {
      close(fd_);
      fd_ = -1;
      if (fresh) {
        response.error = "connection closed before a response";
        return response;
      }
      continue;
    }
    response.body = data.substr(header_end + 4);
    if (have_length) response.body.resize(std::min(response.body.size(), content_length));
    if (chunked) response.body = DecodeChunked(response.body);
    const auto conn = response.headers.find("connection");
    if ((!have_length && !chunked) || (conn != response.headers.end() && conn->second == "close")) {
      close(fd_);
      fd_ = -1;
    }
    return response;
  }
  return response;
}

HttpResponse HttpGet(int port, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpClient client(port);
  return client.Get(path, headers);
}

std::string Gunzip(const std::string& data) {
  z_stream s{};
  if (inflateInit2(&s, 15 + 16) != Z_OK) return "";
  std::string out;
  char buffer[65536];
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(buffer);
    s.avail_out = sizeof buffer;
    rc = inflate(&s, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - s.avail_out);
  }
  inflateEnd(&s);
  // One gzip member exactly: data after it would be dropped silently by this loop.
  return rc == Z_STREAM_END && s.avail_in == 0 ? out : "";
}

std::string BasicAuthorization(const std::string& user, const std::string& password) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = user + ":" + password;
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3F]);
  while (out.size() % 4)
    out.push_back('=');
  return "Basic " + out;
}

std::string UrlEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace exdm::testing
