// A real `prometheus` server for one test: loopback port, its own temp dir and TSDB, a scrape
// config for one target with a short interval (optional basic auth, https with tls_config), queried
// through its HTTP API. Stopped by the destructor.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "background_process.h"

namespace exdm::testing {

class PrometheusServer {
 public:
  struct Options {
    int target_port = 0;
    std::string scrape_interval = "1s";
    std::string basic_auth_user;  // empty: no auth
    std::string basic_auth_password;
    std::vector<std::string> rule_files;    // evaluated every scrape_interval
    int alertmanager_port = 0;              // 0: no alerting
    std::string target_host = "127.0.0.1";  // "[::1]" scrapes over IPv6
    // https with tls_config when set: the CA to verify the exporter against, and a client
    // certificate.
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    // More jobs in the same server (one prometheus for several cases): job name -> target, TLS.
    struct Job {
      std::string name;
      std::string target;                        // "127.0.0.1:9755"
      std::string ca_file, cert_file, key_file;  // https when ca_file is set
    };
    std::vector<Job> extra_jobs;
    // A whole prometheus.yml to run instead of the one the fields above make (they are then
    // ignored): a shipped example with its hosts and paths replaced.
    std::string config;
  };
  // GTEST_SKIP-worthy absence is reported by Available(); failures are non-fatal test failures
  // with the log, returning nullptr.
  static bool Available();
  static std::unique_ptr<PrometheusServer> Start(const std::string& dir, const Options& options);

  int port() const { return port_; }
  std::string Log() const { return process_->Log(); }
  // /api/v1/query: the "data.result" array (instant vector), or null on error.
  nlohmann::json Query(const std::string& promql);
  // /api/v1/targets: "data.activeTargets" (health, lastError), or null on error.
  nlohmann::json ActiveTargets();
  // Polls Query until predicate(result) holds.
  bool WaitFor(const std::string& promql, const std::function<bool(const nlohmann::json&)>& pred,
               std::chrono::milliseconds timeout);

 private:
  PrometheusServer() = default;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

}  // namespace exdm::testing
