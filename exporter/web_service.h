// The HTTP server across the exporter's life: where it listens (addresses or systemd's sockets),
// what it serves with (WebSettings), and what a SIGHUP may change. main() starts it once and
// hands it every reload; everything it decides, it logs.
#pragma once

#include <memory>
#include <vector>

#include "exdm/base/status.h"
#include "exporter_config.h"
#include "http_server.h"
#include "listen_address.h"
#include "snapshot.h"
#include "web_settings.h"

namespace exdm::exporter {

class WebService {
 public:
  // Opens the listen addresses (or takes systemd's sockets) and starts serving; logs the
  // "listening on" line tests and people read the ports from.
  static Result<std::unique_ptr<WebService>> Start(const ExporterConfig& config,
                                                   WebSettings settings,
                                                   const SnapshotStore& store);

  // SIGHUP, first half: the settings `next` asks for, or why the reload must be refused (bad
  // file, unreadable certificate, or auth/TLS turned off by a file that still exists).
  Result<WebSettings> Prepare(const ExporterConfig& next) const;
  // Second half: rebinds when the listen addresses changed (keeping the old ones when the new
  // cannot be bound, and saying so in `next`), then serves with `settings`. False only when
  // neither the new nor the old addresses can be bound.
  bool Apply(ExporterConfig& next, WebSettings settings);

 private:
  WebService(const ExporterConfig& config, const SnapshotStore& store);
  Result<std::vector<ListenSocket>> Listeners(const ExporterConfig& config) const;
  void LogListening() const;

  const SnapshotStore& store_;
  std::vector<std::string> listen_addresses_;
  bool systemd_socket_ = false;
  std::vector<ListenSocket> systemd_sockets_;  // kept: the server gets duplicates
  WebSettings settings_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace exdm::exporter
