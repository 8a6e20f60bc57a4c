#include "prometheus_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "http_client.h"

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
                       "\n  evaluation_interval: " + options.scrape_interval +
                       "\nscrape_configs:\n";
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
  std::ofstream(dir + "/prometheus.yml") << config;

  std::unique_ptr<PrometheusServer> server(new PrometheusServer());
  for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken meanwhile
    server->port_ = FreeLoopbackPort();
    std::string error;
    server->process_ = BackgroundProcess::Start(
        {"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
         "--storage.tsdb.path=" + dir + "/tsdb",
         "--web.listen-address=127.0.0.1:" + std::to_string(server->port_), "--log.level=warn"},
        dir + "/prometheus.log", &error);
    if (!server->process_) {
      ADD_FAILURE() << error;
      return nullptr;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until && server->process_->Running()) {
      if (HttpGet(server->port_, "/-/ready").status == 200) return server;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ADD_FAILURE() << "prometheus did not become ready; log:\n" << server->process_->Log();
  return nullptr;
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
