#include "prometheus_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "http_client.h"
#include "http_daemon.h"

namespace exdm::testing {

bool PrometheusServer::Available() {
  return access("/usr/bin/prometheus", X_OK) == 0;
}

namespace {

// One scrape_configs entry; https (with tls_config) when the job names a CA.
std::string ScrapeJob(const PrometheusServer::Options::Job& job, const std::string& auth) {
  std::string config = "  - job_name: " + job.name + "\n" + auth;
  if (!job.ca_file.empty()) {
    config += "    scheme: https\n    tls_config:\n      ca_file: " + job.ca_file + "\n";
    if (!job.cert_file.empty()) {
      config += "      cert_file: " + job.cert_file + "\n      key_file: " + job.key_file + "\n";
    }
  }
  return config + "    static_configs:\n      - targets: ['" + job.target + "']\n";
}

}  // namespace

std::unique_ptr<PrometheusServer> PrometheusServer::Start(const std::string& dir,
                                                          const Options& options) {
  std::string config = "global:\n  scrape_interval: " + options.scrape_interval +
                       "\n  scrape_timeout: " + options.scrape_interval +
                       "\n  evaluation_interval: " + options.scrape_interval + "\n";
  if (!options.rule_files.empty()) {
    config += "rule_files:\n";
    for (const std::string& f : options.rule_files)
      config += "  - " + f + "\n";
  }
  if (options.alertmanager_port != 0) {
    config +=
        "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:" +
        std::to_string(options.alertmanager_port) + "']\n";
  }
  config += "scrape_configs:\n";
  std::string auth;
  if (!options.basic_auth_user.empty()) {
    std::ofstream(dir + "/scrape.password") << options.basic_auth_password;
    auth = "    basic_auth:\n      username: " + options.basic_auth_user +
           "\n      password_file: " + dir + "/scrape.password\n";
  }
  Options::Job main{"exchange-delivery",
                    options.target_host + ":" + std::to_string(options.target_port),
                    options.ca_file, options.cert_file, options.key_file};
  config += ScrapeJob(main, auth);
  for (const Options::Job& job : options.extra_jobs)
    config += ScrapeJob(job, "");
  std::ofstream(dir + "/prometheus.yml") << (options.config.empty() ? config : options.config);

  std::unique_ptr<PrometheusServer> server(new PrometheusServer());
  server->process_ = StartHttpDaemon(
      [&dir](int port) -> std::vector<std::string> {
        return {"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
                "--storage.tsdb.path=" + dir + "/tsdb",
                "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"};
      },
      dir + "/prometheus.log", "/-/ready", &server->port_);
  if (!server->process_) return nullptr;
  return server;
}

nlohmann::json PrometheusServer::Query(const std::string& promql) {
  const HttpResponse r = HttpGet(port_, "/api/v1/query?query=" + UrlEncode(promql));
  if (r.status != 200) return nullptr;
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || body.value("status", "") != "success") return nullptr;
  return body["data"]["result"];
}

nlohmann::json PrometheusServer::ActiveTargets() {
  const HttpResponse r = HttpGet(port_, "/api/v1/targets");
  if (r.status != 200) return nullptr;
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || body.value("status", "") != "success") return nullptr;
  return body["data"]["activeTargets"];
}

bool PrometheusServer::WaitFor(const std::string& promql,
                               const std::function<bool(const nlohmann::json&)>& pred,
                               std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    const nlohmann::json result = Query(promql);
    if (!result.is_null() && pred(result)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

}  // namespace exdm::testing
