// SIGHUP with a changed --web.telemetry-path / listen address: the exporter rebinds (the old
// listener goes, the new one answers), and an address it cannot bind keeps the previous ones.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <string>

#include "background_process.h"
#include "http_client.h"
#include "paths.h"

namespace exdm::testing {
namespace {

// The port of the n-th (1-based) "listening on" line, 0 until it is logged.
int ListeningPort(const std::string& log, int n) {
  static const std::regex kPorts(R"(listening on \S+ \(ports (\d+)\))");
  int seen = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), kPorts); it != std::sregex_iterator();
       ++it) {
    if (++seen == n) return std::stoi((*it)[1]);
  }
  return 0;
}

int WaitForListening(BackgroundProcess& p, int n) {
  p.WaitForLog([n](const std::string& log) { return ListeningPort(log, n) != 0; },
               std::chrono::seconds(10));
  return ListeningPort(p.Log(), n);
}

TEST(ExporterReload, SighupRebindsToANewTelemetryPathAndListenAddress) {
  TempDir dir("exdm-exporter-reload");
  // The listen address comes from the file: a --web.listen-address flag would win over it.
  auto config = [&dir](const std::string& listen, const std::string& path) {
    dir.Write("exporter.ini", "[web]\nlisten-address = " + listen + "\ntelemetry-path = " + path +
                                  "\n[exporter]\nstate_dir = " + dir.path() + "\n");
  };
  config("127.0.0.1:0", "/metrics");
  std::string error;
  auto exporter =
      BackgroundProcess::Start({ExporterBinary(), "--config.file=" + dir.File("exporter.ini")},
                               dir.File("exporter.log"), &error);
  ASSERT_TRUE(exporter) << error;
  const int first = WaitForListening(*exporter, 1);
  ASSERT_NE(first, 0) << exporter->Log();
  EXPECT_EQ(HttpGet(first, "/metrics").status, 200);

  config("127.0.0.1:0", "/prom");
  exporter->Signal(SIGHUP);
  const int second = WaitForListening(*exporter, 2);
  ASSERT_NE(second, 0) << exporter->Log();
  EXPECT_TRUE(exporter->WaitForLog(
      [](const std::string& log) {
        return log.find("configuration reloaded") != std::string::npos;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(HttpGet(second, "/prom").status, 200) << exporter->Log();
  EXPECT_EQ(HttpGet(second, "/metrics").status, 404);
  if (second != first) {
    EXPECT_EQ(HttpGet(first, "/prom").status, 0) << "old listener still open";
  }

  // 192.0.2.1 (TEST-NET-1) is no local address: the bind fails, the previous settings come back.
  config("192.0.2.1:9755", "/other");
  exporter->Signal(SIGHUP);
  const int third = WaitForListening(*exporter, 3);
  ASSERT_NE(third, 0) << exporter->Log();
  EXPECT_NE(exporter->Log().find("reload: cannot listen as configured"), std::string::npos)
      << exporter->Log();
  EXPECT_EQ(HttpGet(third, "/prom").status, 200) << exporter->Log();
  EXPECT_EQ(exporter->Stop(), 0) << exporter->Log();
}

}  // namespace
}  // namespace exdm::testing
