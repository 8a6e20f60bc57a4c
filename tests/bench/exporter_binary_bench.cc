// The real exchange_delivery_exporter binary at the size: a generated 10,000-store
// organization in the slapd fixture and ~100,000 in-flight (stalled) local deliveries over 10
// servers' generated tracking logs. 1000 gzip scrapes with LDAP up (baseline), then 1000 while
// slapd is SIGSTOPped (result), each over plain HTTP and over TLS with keep-alive (a second
// exporter on the same inputs serves TLS, stopped while the other is measured); RSS of the plain
// exporter at the end and its peak (VmHWM) over all its refreshes. Bars: p99 <= 5 ms (plain and
// TLS), RSS and peak RSS <= 100 MB.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "background_process.h"
#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "http_client.h"
#include "machine_info.h"
#include "paths.h"
#include "process.h"
#include "slapd_fixture.h"
#include "test_pki.h"

namespace exdm::testing {
namespace {

constexpr int kServers = 10;
constexpr int kScrapes = 1000;

struct Latency {
  double p50 = 0, p99 = 0, max = 0;
  size_t bytes = 0;
  int failures = 0;
};

Latency Scrape(int port, HttpClientOptions options = {}) {
  options.timeout = std::chrono::seconds(10);
  HttpClient client(port, options);
  std::vector<double> ms;
  Latency l;
  for (int i = 0; i < kScrapes; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const HttpResponse r = client.Get("/metrics", {{"Accept-Encoding", "gzip"}});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (r.status != 200 || !r.headers.count("content-encoding")) ++l.failures;
    l.bytes = r.body.size();
  }
  std::sort(ms.begin(), ms.end());
  l.p50 = ms[ms.size() / 2];
  l.p99 = ms[ms.size() * 99 / 100];
  l.max = ms.back();
  return l;
}

TEST(ExporterBinaryBench, TenThousandStoresHundredThousandInFlightLdapSuspended) {
  TempDir dir("exdm-exporter-bench");
  const ProcessResult org = RunProcess({GeneratorBinary("exdm_gen_org"), "--servers",
                                        std::to_string(kServers), "--stores-per-server", "1000",
                                        "--fault", "missing=20", "-o", dir.File("org.ldif")});
  ASSERT_TRUE(org.ok()) << org.output;
  // Yesterday, a whole past day: rows later than an hour past the evaluation time are bad lines
  // (clock sanity), so a day still running would lose its future rows.
  const std::string today =
      FormatIso8601Utc((static_cast<int64_t>(std::time(nullptr)) / 86400 - 1) * 86400)
          .substr(0, 10);
  std::vector<std::string> args;
  for (int s = 1; s <= kServers; ++s) {
    char name[16];
    std::snprintf(name, sizeof name, "EX%05d", s);
    const ProcessResult gen = RunProcess({GeneratorBinary("exdm_gen_tracking"),
                                          "--out",
                                          dir.File(std::string(name) + ".log"),
                                          "--server",
                                          name,
                                          "--seed",
                                          std::to_string(s),
                                          "--start",
                                          today,
                                          "--days",
                                          "1",
                                          "--messages",
                                          "8000",
                                          "--stall-share",
                                          "1",
                                          "--stalled-recipient",
                                          "a@contoso.com",
                                          "--stalled-recipient",
                                          "b@contoso.com",
                                          "--retry-interval",
                                          "7000",
                                          "--remote-share",
                                          "0",
                                          "--ndr-share",
                                          "0",
                                          "--badmail-share",
                                          "0"});
    ASSERT_TRUE(gen.ok()) << gen.output;
    args.push_back("--tracking.dir=" + std::string(name) + "=" +
                   dir.File(std::string(name) + ".log"));
  }
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(dir.File("org.ldif")));
  ASSERT_TRUE(slapd);
  for (const std::string& a :
       {"--ldap.uri=" + slapd->uri(), "--ldap.bind_dn=" + slapd->monitor_dn(),
        "--ldap.password_file=" + slapd->monitor_password_file(), std::string("--ldap.timeout=5"),
        std::string("--exporter.audit_interval=10"), "--exporter.state_dir=" + dir.path(),
        std::string("--exporter.tracking_interval=15")}) {
    args.push_back(a);
  }
  // A second exporter on the same inputs serves TLS (its own state directory).
  TestPki pki(dir.path());
  ASSERT_TRUE(pki.ok()) << pki.error();
  TempDir tls_dir("exdm-exporter-bench-tls");
  tls_dir.Write("web.yml", "tls_server_config:\n  cert_file: " + pki.server_cert() +
                               "\n  key_file: " + pki.server_key() + "\n");
  std::vector<std::string> tls_args = args;
  for (std::string& a : tls_args) {
    if (a.rfind("--exporter.state_dir=", 0) == 0) a = "--exporter.state_dir=" + tls_dir.path();
  }
  tls_args.push_back("--web.config.file=" + tls_dir.File("web.yml"));
  // EXDM_BENCH_EXPORTER: another build of the exporter to measure (a before/after figure).
  const char* other_build = std::getenv("EXDM_BENCH_EXPORTER");
  const std::string binary = other_build ? other_build : "";
  auto exporter = ExporterProcess::Start(dir.path(), args, binary);
  ASSERT_TRUE(exporter);
  auto tls_exporter = ExporterProcess::Start(tls_dir.path(), tls_args, binary);
  ASSERT_TRUE(tls_exporter);
  HttpClientOptions tls_client;
  tls_client.tls = true;
  tls_client.ca_file = pki.ca_cert();
  tls_exporter->set_client(tls_client);
  for (ExporterProcess* e : {exporter.get(), tls_exporter.get()}) {
    ASSERT_TRUE(e->WaitForMetric("exchange_collector_success{collector=\"audit\"} 1",
                                 std::chrono::seconds(120)))
        << e->Log();
    ASSERT_TRUE(e->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                 std::chrono::seconds(300)))
        << e->Log();
  }
  const std::string text = exporter->ScrapeText();
  double in_flight = 0, stores = 0;
  size_t series = 0;
  for (size_t at = 0, next; at < text.size(); at = next + 1) {
    next = text.find('\n', at);
    if (next == std::string::npos) next = text.size();
    const std::string line = text.substr(at, next - at);
    if (line.empty() || line[0] == '#') continue;
    ++series;
    if (line.rfind("exchange_local_delivery_in_flight_deliveries{", 0) == 0) {
      in_flight += std::stod(line.substr(line.rfind(' ') + 1));
    }
    if (line.rfind("exchange_store_info{", 0) == 0) ++stores;
  }
  std::printf("org: %.0f stores, %.0f in-flight local deliveries, %zu series in /metrics\n", stores,
              in_flight, series);
  EXPECT_EQ(stores, 10000);
  EXPECT_GE(in_flight, 90000);

  // Each exporter is measured while the other one is stopped (SIGSTOP), so neither measures the
  // other's background refreshes.
  auto measure = [](ExporterProcess& measured, ExporterProcess& other,
                    const HttpClientOptions& client) {
    other.process().Signal(SIGSTOP);
    const Latency l = Scrape(measured.port(), client);
    other.process().Signal(SIGCONT);
    return l;
  };
  const Latency baseline = measure(*exporter, *tls_exporter, {});
  const Latency baseline_tls = measure(*tls_exporter, *exporter, tls_client);
  slapd->Suspend();
  const std::string up = "exchange_ldap_up{uri=\"" + slapd->uri() + "\"} 0";
  const bool down = exporter->WaitForMetric(up, std::chrono::seconds(60)) &&
                    tls_exporter->WaitForMetric(up, std::chrono::seconds(60));
  const Latency result = measure(*exporter, *tls_exporter, {});
  const Latency result_tls = measure(*tls_exporter, *exporter, tls_client);
  const bool still_down = exporter->ScrapeText().find(up) != std::string::npos &&
                          tls_exporter->ScrapeText().find(up) != std::string::npos;
  slapd->Resume();
  const long rss_kb = ProcessStatusKb(exporter->process().pid(), "VmRSS:");
  const long hwm_kb = ProcessStatusKb(exporter->process().pid(), "VmHWM:");
  auto print = [](const char* name, const Latency& l) {
    std::printf("%-25s p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  gzip %zu bytes\n", name, l.p50,
                l.p99, l.max, l.bytes);
  };
  print("baseline (LDAP up)", baseline);
  print("result (LDAP SIGSTOPped)", result);
  print("TLS baseline (LDAP up)", baseline_tls);
  print("TLS result (SIGSTOPped)", result_tls);
  std::printf("ratio p99 result/baseline: %.2f (plain), %.2f (TLS); TLS/plain p99: %.2f\n",
              result.p99 / baseline.p99, result_tls.p99 / baseline_tls.p99,
              result_tls.p99 / result.p99);
  std::printf("machine: %s; load average %s\n", CpuDescription().c_str(), LoadAverage().c_str());
  std::printf("exporter RSS %.1f MB (peak %.1f MB); bars: p99 <= 5 ms, peak RSS <= 100 MB\n",
              static_cast<double>(rss_kb) / 1024, static_cast<double>(hwm_kb) / 1024);
  EXPECT_TRUE(down && still_down) << "LDAP was not seen down during the measurement";
  EXPECT_EQ(result.failures, 0);
  EXPECT_LE(result.p99, 5.0);
  EXPECT_EQ(result_tls.failures, 0);
  EXPECT_LE(result_tls.p99, 5.0);
  EXPECT_LE(rss_kb, 100 * 1024);
  EXPECT_LE(hwm_kb, 100 * 1024) << "peak RSS (VmHWM) over 100 MB during the refreshes";
}

}  // namespace
}  // namespace exdm::testing
