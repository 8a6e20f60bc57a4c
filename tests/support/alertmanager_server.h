// A real Prometheus Alertmanager (Debian's prometheus-alertmanager) for one test: loopback port,
// clustering off, its own temp dir and storage, one receiver that notifies nobody (the alerts it
// holds are read through its API v2). Stopped by the destructor.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "background_process.h"

namespace exdm::testing {

class AlertmanagerServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/prometheus-alertmanager";
  // On failure records a non-fatal test failure with the log and returns nullptr.
  static std::unique_ptr<AlertmanagerServer> Start(const std::string& dir);

  int port() const { return port_; }
  std::string Log() const { return process_->Log(); }
  // GET /api/v2/alerts: the alerts it holds that have not ended (an array), null on error.
  nlohmann::json Alerts();

 private:
  AlertmanagerServer() = default;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

}  // namespace exdm::testing
