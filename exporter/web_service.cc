#include "web_service.h"

#include "exdm/version.h"
#include "log.h"

namespace exdm::exporter {

WebService::WebService(const ExporterConfig& config, const SnapshotStore& store)
    : store_(store),
      listen_addresses_(config.listen_addresses),
      systemd_socket_(config.systemd_socket) {}

Result<std::unique_ptr<WebService>> WebService::Start(const ExporterConfig& config,
                                                      WebSettings settings,
                                                      const SnapshotStore& store) {
  std::unique_ptr<WebService> service(new WebService(config, store));
  if (config.systemd_socket) {
    Result<std::vector<ListenSocket>> passed = TakeSystemdSockets();
    if (!passed.ok()) return passed.status();
    service->systemd_sockets_ = std::move(passed).value();
  }
  Result<std::vector<ListenSocket>> sockets = service->Listeners(config);
  if (!sockets.ok()) return sockets.status();
  auto server = HttpServer::Start(std::move(sockets).value(), store, settings);
  if (!server.ok()) return server.status();
  service->server_ = std::move(server).value();
  service->settings_ = std::move(settings);
  service->LogListening();
  return service;
}

Result<std::vector<ListenSocket>> WebService::Listeners(const ExporterConfig& config) const {
  if (!config.systemd_socket) return OpenListenSockets(config.listen_addresses);
  std::vector<ListenSocket> copies;
  for (const ListenSocket& socket : systemd_sockets_) {
    Result<ListenSocket> copy = socket.Duplicate();
    if (!copy.ok()) return copy.status();
    copies.push_back(std::move(copy).value());
  }
  return copies;
}

void WebService::LogListening() const {
  std::string ports;
  for (int port : server_->ports())
    ports += " " + std::to_string(port);
  Log(LogPriority::kInfo,
      std::string("exchange_delivery_exporter ") + kVersion + " (" + kRevision + ") listening on " +
          server_->listening() + (systemd_socket_ ? " (from systemd)" : "") + " (ports" + ports +
          "), metrics at " + settings_.telemetry_path + ", " + settings_.Describe());
}

Result<WebSettings> WebService::Prepare(const ExporterConfig& next) const {
  if (next.systemd_socket != systemd_socket_) {
    return Status(ErrorCode::kInvalidArgument,
                  "web.systemd-socket cannot change on reload (systemd's sockets are handed "
                  "over at start); restart the exporter");
  }
  Result<WebSettings> settings = LoadWebSettings(next.web_config_file, next.telemetry_path);
  if (!settings.ok()) return settings.status();
  if (Status s = CheckReload(settings_, *settings); !s.ok()) return s;
  return settings;
}

bool WebService::Apply(ExporterConfig& next, WebSettings settings) {
  if (!settings_.web_config_file.empty() && settings.web_config_file.empty() &&
      (settings_.auth_enabled() || settings_.tls)) {
    Log(LogPriority::kWarning,
        "reload: no --web.config.file any more: basic auth and TLS are off as asked");
  }
  if (systemd_socket_ || next.listen_addresses == listen_addresses_) {
    server_->Apply(settings);
    settings_ = std::move(settings);
    LogListening();
    return true;
  }
  // Rebind: the old listener lets go of its ports first (the new set may share some), and comes
  // back if the new addresses cannot be bound.
  server_.reset();
  Result<std::vector<ListenSocket>> sockets = OpenListenSockets(next.listen_addresses);
  if (!sockets.ok()) {
    Log(LogPriority::kError, "reload: cannot listen as configured (" + sockets.status().message() +
                                 "); keeping the previous listen addresses and telemetry path");
    next.listen_addresses = listen_addresses_;
    next.telemetry_path = settings_.telemetry_path;
    settings.telemetry_path = settings_.telemetry_path;
    sockets = OpenListenSockets(listen_addresses_);
    if (!sockets.ok()) {
      Log(LogPriority::kError,
          "reload: cannot listen on the previous addresses either, stopping: " +
              sockets.status().message());
      return false;
    }
  }
  auto server = HttpServer::Start(std::move(sockets).value(), store_, settings);
  if (!server.ok()) {
    Log(LogPriority::kError, "reload: " + server.status().message());
    return false;
  }
  server_ = std::move(server).value();
  listen_addresses_ = next.listen_addresses;
  settings_ = std::move(settings);
  LogListening();
  return true;
}

}  // namespace exdm::exporter
