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

std::unique_ptr<PrometheusServer> PrometheusServer::Start(const std::string& dir,
                                                          const Options& options) {
  std::string config = "global:\n  scrape_interval: " + options.scrape_interval +
                       "\n  scrape_timeout: " + options.scrape_interval +
                       "\n  evaluation_interval: " + options.scrape_interval +
                       "\nscrape_configs:\n  - job_name: exchange-delivery\n";
  if (!options.basic_auth_user.empty()) {
    std::ofstream(dir + "/scrape.password") << options.basic_auth_password;
    config += "    basic_auth:\n      username: " + options.basic_auth_user +
              "\n      password_file: " + dir + "/scrape.password\n";
  }
  config +=
      "    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(options.target_port) +
      "']\n";
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
