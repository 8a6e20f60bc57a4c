#include "listen_address.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace exdm::exporter {
namespace {

Status Bad(const std::string& address, const std::string& why) {
  return Status(ErrorCode::kInvalidArgument, "listen address " + address + ": " + why);
}

// "127.0.0.1:9755", "[::1]:9755" for a bound socket address.
std::string SocketName(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  return "(not an IP socket)";
}

std::string BoundName(int fd) {
  sockaddr_storage addr{};
  socklen_t length = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) return "?";
  return SocketName(reinterpret_cast<sockaddr*>(&addr));
}

// Binds and listens on one address. `dual_stack`: an IPv6 wildcard that also takes IPv4.
Result<ListenSocket> Bind(const sockaddr* addr, socklen_t length, bool dual_stack,
                          const std::string& address) {
  const int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return Status(ErrorCode::kIoError, "cannot listen on " + address + ": " + std::strerror(errno));
  ListenSocket sock(fd, "");
  const int one = 1;
  // A restart must not wait for the previous run's connections in TIME_WAIT.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (addr->sa_family == AF_INET6) {
    // Stated either way: the system default (net.ipv6.bindv6only) must not decide.
    const int v6only = dual_stack ? 0 : 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (bind(fd, addr, length) != 0 || listen(fd, SOMAXCONN) != 0) {
    return Status(ErrorCode::kIoError, "cannot listen on " + address + " (" + SocketName(addr) +
                                           "): " + std::strerror(errno));
  }
  ListenSocket bound(sock.Release(), BoundName(fd));
  return bound;
}

struct AddrInfoDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

Result<std::vector<ListenSocket>> OpenOne(const std::string& text) {
  Result<ListenAddress> parsed = ParseListenAddress(text);
  if (!parsed.ok()) return parsed.status();
  std::vector<ListenSocket> out;
  const uint16_t port = static_cast<uint16_t>(parsed->port);
  if (parsed->host.empty() || (parsed->ipv6_literal && parsed->host == "::")) {
    sockaddr_in6 any6{};
    any6.sin6_family = AF_INET6;
    any6.sin6_addr = in6addr_any;
    any6.sin6_port = htons(port);
    Result<ListenSocket> dual =
        Bind(reinterpret_cast<sockaddr*>(&any6), sizeof any6, /*dual_stack=*/true, text);
    if (dual.ok()) {
      out.push_back(std::move(dual).value());
      return out;
    }
    // A kernel without IPv6 (ipv6.disable=1) still serves ":PORT" on IPv4.
    const int probe = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool no_ipv6 = probe < 0 && errno == EAFNOSUPPORT;
    if (probe >= 0) close(probe);
    if (!no_ipv6 || !parsed->host.empty()) return dual.status();
    sockaddr_in any4{};
    any4.sin_family = AF_INET;
    any4.sin_addr.s_addr = htonl(INADDR_ANY);
    any4.sin_port = htons(port);
    Result<ListenSocket> v4 = Bind(reinterpret_cast<sockaddr*>(&any4), sizeof any4, false, text);
    if (!v4.ok()) return v4.status();
    out.push_back(std::move(v4).value());
    return out;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  if (parsed->ipv6_literal) {
    hints.ai_family = AF_INET6;
    hints.ai_flags |= AI_NUMERICHOST;
  }
  addrinfo* raw = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(parsed->host.c_str(), service.c_str(), &hints, &raw);
  if (rc != 0) {
    return Bad(text, parsed->ipv6_literal
                         ? "not an IPv6 address"
                         : std::string("cannot resolve ") + parsed->host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  std::vector<std::string> seen;
  for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    const std::string name = SocketName(a->ai_addr);
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    Result<ListenSocket> sock = Bind(a->ai_addr, a->ai_addrlen, false, text);
    if (!sock.ok()) return sock.status();
    out.push_back(std::move(sock).value());
  }
  if (out.empty()) return Bad(text, parsed->host + " has no IPv4 or IPv6 address");
  return out;
}

}  // namespace

Result<ListenAddress> ParseListenAddress(const std::string& text) {
  ListenAddress out;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Bad(text, "must be [IPv6]:PORT, e.g. [::1]:9755");
    }
    out.host = text.substr(1, close - 1);
    out.ipv6_literal = true;
    port = text.substr(close + 2);
    if (out.host.empty() || out.host.find(':') == std::string::npos) {
      return Bad(text, "brackets hold an IPv6 address");
    }
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return Bad(text, "must be [HOST]:PORT, e.g. :9755");
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (out.host.find(':') != std::string::npos) {
      return Bad(text, "put an IPv6 address in brackets, e.g. [::1]:9755");
    }
    for (char c : out.host) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) {
        return Bad(text, "the host is neither an address nor a name");
      }
    }
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
      std::stoi(port) > 65535) {
    return Bad(text, "bad port");
  }
  out.port = std::stoi(port);
  return out;
}

ListenSocket::~ListenSocket() {
  if (fd_ >= 0) close(fd_);
}

ListenSocket::ListenSocket(ListenSocket&& other) noexcept
    : fd_(other.fd_), name_(std::move(other.name_)) {
  other.fd_ = -1;
}

ListenSocket& ListenSocket::operator=(ListenSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    name_ = std::move(other.name_);
    other.fd_ = -1;
  }
  return *this;
}

int ListenSocket::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

int ListenSocket::port() const {
  const size_t colon = name_.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(name_.c_str() + colon + 1);
}

Result<ListenSocket> ListenSocket::Duplicate() const {
  const int copy = fcntl(fd_, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) {
    return Status(ErrorCode::kIoError,
                  "cannot duplicate the socket for " + name_ + ": " + std::strerror(errno));
  }
  return ListenSocket(copy, name_);
}

Result<std::vector<ListenSocket>> OpenListenSockets(const std::vector<std::string>& addresses) {
  std::vector<ListenSocket> all;
  for (const std::string& address : addresses) {
    Result<std::vector<ListenSocket>> some = OpenOne(address);
    if (!some.ok()) return some.status();
    for (ListenSocket& s : *some)
      all.push_back(std::move(s));
  }
  if (all.empty()) return Status(ErrorCode::kInvalidArgument, "no listen address given");
  return all;
}

Result<std::vector<ListenSocket>> TakeSystemdSockets() {
  constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  auto fail = [](const std::string& why) {
    return Status(ErrorCode::kInvalidArgument, "--web.systemd-socket: " + why);
  };
  if (pid == nullptr || fds == nullptr) {
    return fail(
        "systemd passed no sockets (LISTEN_PID/LISTEN_FDS unset); start the exporter "
        "through its .socket unit, or drop the flag and give --web.listen-address");
  }
  if (std::atol(pid) != static_cast<long>(getpid())) {
    return fail(std::string("the sockets are for process ") + pid + ", not this one");
  }
  char* end = nullptr;
  const long count = std::strtol(fds, &end, 10);
  if (end == fds || *end != '\0' || count < 1 || count > 64) {
    return fail(std::string("LISTEN_FDS=") + fds + " is not a count of sockets");
  }
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  std::vector<ListenSocket> out;
  for (int fd = kFirstFd; fd < kFirstFd + count; ++fd) {
    int type = 0, listening = 0;
    socklen_t length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) {
      return fail("descriptor " + std::to_string(fd) + " is not a stream socket");
    }
    length = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening) {
      return fail("socket " + std::to_string(fd) +
                  " is not listening (the .socket unit needs "
                  "Accept=no)");
    }
    sockaddr_storage addr{};
    socklen_t addr_length = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_length);
    if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6) {
      return fail("socket " + std::to_string(fd) +
                  " is not a TCP/IP socket (ListenStream= takes "
                  "[ADDRESS:]PORT)");
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    out.emplace_back(fd, BoundName(fd));
  }
  return out;
}

}  // namespace exdm::exporter
