#include "alertmanager_server.h"

#include <gtest/gtest.h>

#include <fstream>

#include "http_client.h"
#include "http_daemon.h"

namespace exdm::testing {

std::unique_ptr<AlertmanagerServer> AlertmanagerServer::Start(const std::string& dir) {
  std::ofstream(dir + "/alertmanager.yml") << "route:\n  receiver: nobody\n"
                                              "receivers:\n  - name: nobody\n";
  std::unique_ptr<AlertmanagerServer> server(new AlertmanagerServer());
  // --cluster.listen-address= (empty) turns the gossip mesh off: it would listen on all
  // interfaces, port 9094.
  server->process_ = StartHttpDaemon(
      [&dir](int port) -> std::vector<std::string> {
        return {kBinary,
                "--config.file=" + dir + "/alertmanager.yml",
                "--storage.path=" + dir + "/alertmanager-data",
                "--web.listen-address=127.0.0.1:" + std::to_string(port),
                "--cluster.listen-address=",
                "--log.level=warn"};
      },
      dir + "/alertmanager.log", "/-/ready", &server->port_);
  if (!server->process_) return nullptr;
  return server;
}

nlohmann::json AlertmanagerServer::Alerts() {
  const HttpResponse r = HttpGet(port_, "/api/v2/alerts");
  if (r.status != 200) return nullptr;
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_array()) return nullptr;
  return body;
}

}  // namespace exdm::testing
