// Where the real exporter listens: ":PORT" on IPv4 and IPv6, "[::1]:PORT" on IPv6 only (and a
// real prometheus scraping it there), host names resolved, repeated addresses, and systemd
// socket activation through systemd-socket-activate (the sockets handed over as LISTEN_FDS, kept
// across SIGHUP).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "background_process.h"
#include "exporter_process.h"
#include "http_client.h"
#include "paths.h"
#include "process.h"
#include "prometheus_server.h"

namespace exdm::testing {
namespace {

HttpResponse GetFrom(const std::string& host, int port, const std::string& path = "/metrics") {
  HttpClientOptions options;
  options.host = host;
  options.timeout = std::chrono::seconds(5);
  return HttpGet(port, options, path);
}

bool Serves(const std::string& host, int port) {
  const HttpResponse r = GetFrom(host, port);
  return r.status == 200 &&
         r.body.find("exchange_delivery_exporter_build_info{") != std::string::npos;
}

TEST(ExporterListen, AnEmptyHostMeansEveryIpv4AndIpv6Address) {
  TempDir dir("exdm-listen");
  const int port = FreeLoopbackPort();
  auto exporter = ExporterProcess::Start(
      dir.path(),
      {"--web.listen-address=:" + std::to_string(port), "--exporter.state_dir=" + dir.path()});
  ASSERT_TRUE(exporter);
  EXPECT_NE(exporter->Log().find("listening on [::]:" + std::to_string(port)), std::string::npos)
      << exporter->Log();
  EXPECT_TRUE(Serves("127.0.0.1", port));
  EXPECT_TRUE(Serves("::1", port));
}

TEST(ExporterListen, PrometheusScrapesOverIpv6) {
  if (!PrometheusServer::Available()) GTEST_SKIP() << "prometheus not installed";
  TempDir dir("exdm-listen-prom");
  const int port = FreeLoopbackPort();
  auto exporter = ExporterProcess::Start(
      dir.path(),
      {"--web.listen-address=[::1]:" + std::to_string(port), "--exporter.state_dir=" + dir.path()});
  ASSERT_TRUE(exporter);
  PrometheusServer::Options options;
  options.target_host = "[::1]";
  options.target_port = port;
  auto prometheus = PrometheusServer::Start(dir.path(), options);
  ASSERT_TRUE(prometheus);
  EXPECT_TRUE(prometheus->WaitFor(
      "exchange_delivery_exporter_build_info{instance=\"[::1]:" + std::to_string(port) + "\"}",
      [](const nlohmann::json& r) { return r.size() == 1; }, std::chrono::seconds(30)))
      << prometheus->Log();
}

TEST(ExporterListen, AnIpv6LiteralListensThereOnly) {
  TempDir dir("exdm-listen");
  const int port = FreeLoopbackPort();
  auto exporter = ExporterProcess::Start(
      dir.path(),
      {"--web.listen-address=[::1]:" + std::to_string(port), "--exporter.state_dir=" + dir.path()});
  ASSERT_TRUE(exporter);
  EXPECT_TRUE(Serves("::1", port));
  EXPECT_EQ(GetFrom("127.0.0.1", port).status, 0) << "IPv4 answered";
}

TEST(ExporterListen, RepeatedAddressesAndHostNamesAreAllBound) {
  TempDir dir("exdm-listen");
  const int v4 = FreeLoopbackPort();
  const int v6 = FreeLoopbackPort();
  const int named = FreeLoopbackPort();
  auto exporter =
      ExporterProcess::Start(dir.path(), {"--web.listen-address=127.0.0.1:" + std::to_string(v4),
                                          "--web.listen-address=[::1]:" + std::to_string(v6),
                                          "--web.listen-address=localhost:" + std::to_string(named),
                                          "--exporter.state_dir=" + dir.path()});
  ASSERT_TRUE(exporter);
  EXPECT_TRUE(Serves("127.0.0.1", v4));
  EXPECT_TRUE(Serves("::1", v6));
  EXPECT_EQ(GetFrom("127.0.0.1", v6).status, 0);
  // localhost resolves to 127.0.0.1 (and ::1 where /etc/hosts says so): each is served.
  EXPECT_TRUE(Serves("127.0.0.1", named)) << exporter->Log();
  EXPECT_NE(exporter->Log().find("127.0.0.1:" + std::to_string(named)), std::string::npos);
}

TEST(ExporterListen, BadAddressesStopTheStartWithTheReason) {
  struct Case {
    std::string address;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"::1:9755", "put an IPv6 address in brackets"},
           {"127.0.0.1:99999", "bad port"},
           {"no-such-host.invalid:9755", "cannot resolve no-such-host.invalid"},
           {"192.0.2.1:9755", "cannot listen on 192.0.2.1:9755"},
       }) {
    const ProcessResult r = RunProcess({ExporterBinary(), "--web.listen-address=" + c.address});
    EXPECT_NE(r.exit_code, 0) << c.address;
    EXPECT_NE(r.output.find(c.reason), std::string::npos) << c.address << ": " << r.output;
  }
}

// systemd-socket-activate listens, and on the first connection execs the exporter in its own
// process with the listening sockets as fds 3 and 4 (LISTEN_PID, LISTEN_FDS), as systemd does
// for a .socket unit.
TEST(ExporterListen, SystemdSocketActivationServesThePassedSockets) {
  if (access("/usr/bin/systemd-socket-activate", X_OK) != 0) {
    GTEST_SKIP() << "systemd-socket-activate not installed";
  }
  TempDir dir("exdm-listen-systemd");
  const int port = FreeLoopbackPort();
  dir.Write("exporter.ini",
            "[web]\nsystemd-socket = true\ntelemetry-path = /metrics\n"
            "[exporter]\nstate_dir = " +
                dir.path() + "\n");
  std::string error;
  auto activator = BackgroundProcess::Start(
      {"/usr/bin/systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(port), "-l",
       "[::1]:" + std::to_string(port), ExporterBinary(),
       "--config.file=" + dir.File("exporter.ini")},
      dir.File("exporter.log"), &error);
  ASSERT_TRUE(activator) << error;
  ASSERT_TRUE(activator->WaitForLogText("as 4.", std::chrono::seconds(10))) << activator->Log();
  // The first connection starts the exporter; it is answered from the socket's backlog.
  EXPECT_TRUE(Serves("127.0.0.1", port)) << activator->Log();
  EXPECT_TRUE(Serves("::1", port)) << activator->Log();
  EXPECT_NE(activator->Log().find("(from systemd)"), std::string::npos) << activator->Log();

  // A reload keeps serving on the same sockets (there is nothing to rebind).
  dir.Write("exporter.ini",
            "[web]\nsystemd-socket = true\ntelemetry-path = /probe\n"
            "[exporter]\nstate_dir = " +
                dir.path() + "\n");
  activator->Signal(SIGHUP);
  ASSERT_TRUE(activator->WaitForLogText("configuration reloaded", std::chrono::seconds(10)))
      << activator->Log();
  EXPECT_EQ(GetFrom("127.0.0.1", port, "/probe").status, 200) << activator->Log();
  EXPECT_EQ(GetFrom("::1", port, "/metrics").status, 404);
  EXPECT_EQ(activator->Stop(), 0) << activator->Log();
}

TEST(ExporterListen, SystemdSocketWithoutSystemdIsAClearError) {
  const ProcessResult r = RunProcess({ExporterBinary(), "--web.systemd-socket"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--web.systemd-socket: systemd passed no sockets"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace exdm::testing
