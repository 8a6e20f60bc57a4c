#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace exdm::testing {
namespace {

std::string OpenSslError(const std::string& what) {
  std::string detail;
  while (const unsigned long e = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    detail = buffer;
  }
  return what + (detail.empty() ? "" : ": " + detail);
}

// Chunk sizes and data from `from` on; `complete` set when the last (empty) chunk was seen.
std::string ParseChunks(const std::string& data, size_t from, bool* complete) {
  std::string out;
  *complete = false;
  size_t at = from;
  for (;;) {
    const size_t line_end = data.find("\r\n", at);
    if (line_end == std::string::npos) return out;
    const size_t size = std::strtoul(data.substr(at, line_end - at).c_str(), nullptr, 16);
    if (size == 0) {
      *complete = data.find("\r\n", line_end + 2) != std::string::npos;
      return out;
    }
    if (data.size() < line_end + 2 + size + 2) return out;
    out.append(data, line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
}

bool ChunkedComplete(const std::string& data, size_t body_start) {
  bool complete = false;
  ParseChunks(data, body_start, &complete);
  return complete;
}

std::string Dechunk(const std::string& body) {
  bool complete = false;
  return ParseChunks(body, 0, &complete);
}

}  // namespace

struct HttpClient::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

HttpClient::HttpClient(int port, std::chrono::milliseconds timeout) : port_(port) {
  options_.timeout = timeout;
}

HttpClient::HttpClient(int port, HttpClientOptions options)
    : port_(port), options_(std::move(options)) {}

HttpClient::~HttpClient() {
  Disconnect();
}

void HttpClient::Disconnect() {
  tls_.reset();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool HttpClient::Connect(std::string* error) {
  sockaddr_storage addr{};
  socklen_t length = 0;
  const bool v6 = options_.host.find(':') != std::string::npos;
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port_));
    inet_pton(AF_INET6, options_.host.c_str(), &in6->sin6_addr);
    length = sizeof *in6;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(port_));
    inet_pton(AF_INET, options_.host.c_str(), &in->sin_addr);
    length = sizeof *in;
  }
  fd_ = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), length) != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    Disconnect();
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!options_.tls) return true;
  // OpenSSL writes with write(2): a server that hung up must be an error, not SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  // The handshake is blocking, bounded by the socket timeouts.
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(options_.timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((options_.timeout.count() % 1000) * 1000);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  tls_ = std::make_unique<Tls>();
  tls_->ctx = SSL_CTX_new(TLS_client_method());
  // Read whole socket buffers, not one record at a time: the benchmarks measure the server.
  SSL_CTX_set_read_ahead(tls_->ctx, 1);
  SSL_CTX_set_default_read_buffer_len(tls_->ctx, 64 * 1024);
  if (!options_.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(tls_->ctx, options_.ca_file.c_str(), nullptr) != 1) {
      *error = OpenSslError("cannot load " + options_.ca_file);
      Disconnect();
      return false;
    }
    SSL_CTX_set_verify(tls_->ctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!options_.cert_file.empty() &&
      (SSL_CTX_use_certificate_chain_file(tls_->ctx, options_.cert_file.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(tls_->ctx, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
    *error = OpenSslError("cannot load the client certificate " + options_.cert_file);
    Disconnect();
    return false;
  }
  tls_->ssl = SSL_new(tls_->ctx);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls_->ssl), options_.host.c_str());
  SSL_set_fd(tls_->ssl, fd_);
  if (SSL_connect(tls_->ssl) != 1) {
    *error = OpenSslError("TLS handshake");
    Disconnect();
    return false;
  }
  return true;
}

bool HttpClient::SendAll(const std::string& data) {
  if (tls_) {
    return SSL_write(tls_->ssl, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  }
  return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

bool HttpClient::SendRaw(const std::string& bytes) {
  std::string error;
  if (fd_ < 0 && !Connect(&error)) return false;
  return SendAll(bytes);
}

long HttpClient::Receive(char* buffer, size_t size, std::chrono::steady_clock::time_point deadline,
                         std::string* error) {
  if (!tls_ || !SSL_has_pending(tls_->ssl)) {  // records OpenSSL already read count too
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      *error = "timeout";
      return -1;
    }
  }
  if (!tls_) return recv(fd_, buffer, size, 0);
  const int n = SSL_read(tls_->ssl, buffer, static_cast<int>(size));
  if (n > 0) return n;
  const int reason = SSL_get_error(tls_->ssl, n);
  if (reason == SSL_ERROR_ZERO_RETURN) return 0;
  // A refused client certificate shows here under TLS 1.3: the server's alert arrives after the
  // client thinks the handshake is done.
  *error = OpenSslError("TLS read");
  return reason == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? 0 : -1;
}

HttpResponse HttpClient::Get(const std::string& path,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResponse response;
  for (int attempt = 0; attempt < 2; ++attempt) {  // a kept-alive connection may have closed
    const bool fresh = fd_ < 0;
    if (fd_ < 0 && !Connect(&response.error)) return response;
    const std::string host =
        options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto& [name, value] : headers)
      request += name + ": " + value + "\r\n";
    request += "\r\n";
    if (!SendAll(request)) {
      Disconnect();
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
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    char buffer[65536];
    bool chunked = false;
    for (;;) {
      if (header_end != std::string::npos && have_length &&
          data.size() >= header_end + 4 + content_length) {
        break;
      }
      if (chunked && ChunkedComplete(data, header_end + 4)) break;
      const long n = Receive(buffer, sizeof buffer, deadline, &response.error);
      if (n < 0 && response.error == "timeout") {
        Disconnect();
        return response;
      }
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
          const auto encoding = response.headers.find("transfer-encoding");
          chunked = encoding != response.headers.end() && encoding->second == "chunked";
        }
      }
    }
    if (header_end == std::string::npos) {
      Disconnect();
      if (fresh) {
        if (response.error.empty()) response.error = "connection closed before a response";
        return response;
      }
      response.error.clear();
      continue;
    }
    response.body = data.substr(header_end + 4);
    if (have_length) response.body.resize(std::min(response.body.size(), content_length));
    if (chunked) response.body = Dechunk(response.body);
    const auto conn = response.headers.find("connection");
    if ((!have_length && !chunked) || (conn != response.headers.end() && conn->second == "close")) {
      Disconnect();
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

HttpResponse HttpGet(int port, const HttpClientOptions& options, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpClient client(port, options);
  return client.Get(path, headers);
}

int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
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
