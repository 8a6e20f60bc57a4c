// Where the exporter listens: --web.listen-address values (Prometheus' [HOST]:PORT) turned into
// bound, listening sockets, or the sockets systemd passes (--web.systemd-socket, sd_listen_fds(3)).
//   :9755              every address, IPv4 and IPv6 (one dual-stack socket; IPv4 only when the
//   [::]:9755          kernel has no IPv6)
//   0.0.0.0:9755       every IPv4 address
//   127.0.0.1:9755     that address
//   [::1]:9755         that IPv6 address (also [fe80::1%eth0]:9755)
//   localhost:9755     every address the name resolves to (here 127.0.0.1 and ::1)
// The exporter binds exactly these and nothing else.
#pragma once

#include <string>
#include <vector>

#include "exdm/base/status.h"

namespace exdm::exporter {

struct ListenAddress {
  std::string host;  // "" (every address), an IP literal (brackets removed) or a name
  bool ipv6_literal = false;
  int port = 0;
};

// Syntax only (no resolution): PORT 0-65535, IPv6 literals in brackets.
Result<ListenAddress> ParseListenAddress(const std::string& text);

// A listening socket the process owns (closed on destruction). Non-blocking, close-on-exec.
class ListenSocket {
 public:
  ListenSocket(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~ListenSocket();
  ListenSocket(ListenSocket&& other) noexcept;
  ListenSocket& operator=(ListenSocket&& other) noexcept;
  ListenSocket(const ListenSocket&) = delete;
  ListenSocket& operator=(const ListenSocket&) = delete;

  int fd() const { return fd_; }
  // Gives up ownership (the HTTP server's acceptor takes it).
  int Release();
  // "[::]:9755", "127.0.0.1:40177": the address actually bound.
  const std::string& name() const { return name_; }
  int port() const;
  // A second descriptor for the same socket (systemd's sockets outlive a server restart).
  Result<ListenSocket> Duplicate() const;

 private:
  int fd_ = -1;
  std::string name_;
};

// Resolves, binds and listens on every address; all or nothing.
Result<std::vector<ListenSocket>> OpenListenSockets(const std::vector<std::string>& addresses);

// The listening stream sockets systemd passed (LISTEN_PID, LISTEN_FDS, from fd 3), checked; the
// variables are removed so no child process inherits them.
Result<std::vector<ListenSocket>> TakeSystemdSockets();

}  // namespace exdm::exporter
