// Scrape latency of exchange_delivery_exporter (issue #7's bar: p99 <= 5 ms over >= 1000 gzip
// scrapes of a 10,000-store organization with 100,000 in-flight deliveries while LDAP is
// suspended; RSS <= 100 MB).
//
// Part 1, same process, same synthetic 10,000-store families, same client:
//   baseline: prometheus-cpp's Exposer + a Collectable (collects, serializes and gzips per scrape)
//   result:   this exporter's SnapshotStore + HttpServer (serialized and gzipped once, served as
//   is), over plain HTTP and over TLS (keep-alive, as Prometheus scrapes)
// Part 2 is exporter_binary_bench.cc, the real binary: the exporter against the slapd fixture with
// a generated 10,000-store organization and generated tracking logs, slapd SIGSTOPped, scraped 1000
// times; RSS read from /proc at the end.
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "families.h"
#include "http_client.h"
#include "http_server.h"
#include "listen_address.h"
#include "snapshot.h"
#include "temp_dir.h"
#include "test_pki.h"
#include "tls_context.h"

namespace {

using exdm::exporter::AddSample;
using exdm::exporter::Gauge;

constexpr int kServers = 10;
constexpr int kStoresPerServer = 1000;
constexpr int kScrapes = 1000;
// The baseline costs ~200 ms a scrape at this size; 100 scrapes give its p50/p99 well enough.
constexpr int kBaselineScrapes = 100;

std::vector<prometheus::MetricFamily> OrgFamilies() {
  auto info = Gauge("exchange_store_info", "Store info.");
  auto ok = Gauge("exchange_smtp_mailbox_ok", "SMTP mailbox ok.");
  auto stalled = Gauge("exchange_store_stalled_deliveries", "Stalled per store.");
  auto findings = Gauge("exchange_smtp_mailbox_findings", "Findings.");
  auto per_server = Gauge("exchange_local_delivery_stalled_deliveries", "Stalled per server.");
  for (int s = 0; s < kServers; ++s) {
    const std::string server = "EXCH" + std::to_string(100 + s);
    AddSample(per_server, {{"server", server}}, 10000);
    for (int i = 0; i < kStoresPerServer; ++i) {
      const std::string sg = "Storage Group " + std::to_string(i / 5 + 1);
      const std::string store = "Mailbox Store " + std::to_string(i) + " (" + server + ")";
      char guid[40];
      std::snprintf(guid, sizeof guid, "%08x-0000-4000-8000-%012d", s, i);
      AddSample(info,
                {{"server", server},
                 {"storage_group", sg},
                 {"store", store},
                 {"store_type", "mailbox"},
                 {"store_guid", guid}},
                1);
      AddSample(ok, {{"server", server}, {"storage_group", sg}, {"store", store}}, i % 50 ? 1 : 0);
      AddSample(stalled, {{"server", server}, {"storage_group", sg}, {"store", store}}, i % 7);
      if (i % 50 == 0) {
        AddSample(
            findings,
            {{"server", server}, {"storage_group", sg}, {"store", store}, {"finding", "missing"}},
            1);
      }
    }
  }
  return {info, ok, stalled, findings, per_server};
}

class FixedCollectable : public prometheus::Collectable {
 public:
  explicit FixedCollectable(std::vector<prometheus::MetricFamily> f) : families_(std::move(f)) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return families_; }

 private:
  std::vector<prometheus::MetricFamily> families_;
};

struct Latency {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  size_t bytes = 0;
  int failures = 0;
};

Latency Measure(int port, int scrapes, exdm::testing::HttpClientOptions options = {}) {
  options.timeout = std::chrono::seconds(30);
  exdm::testing::HttpClient client(port, options);
  std::vector<double> ms;
  Latency result;
  for (int i = 0; i < scrapes + 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = client.Get("/metrics", {{"Accept-Encoding", "gzip"}});
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (r.status != 200 || r.headers.count("content-encoding") == 0) ++result.failures;
    result.bytes = r.body.size();
    if (i >= 20) ms.push_back(took.count());  // the first scrapes warm caches and connections
  }
  std::sort(ms.begin(), ms.end());
  result.p50_ms = ms[ms.size() / 2];
  result.p99_ms = ms[ms.size() * 99 / 100];
  result.max_ms = ms.back();
  return result;
}

// This exporter's server on 127.0.0.1 with `settings`, measured with `client`.
Latency Serve(const exdm::exporter::SnapshotStore& store, exdm::exporter::WebSettings settings,
              const exdm::testing::HttpClientOptions& client) {
  auto sockets = exdm::exporter::OpenListenSockets({"127.0.0.1:0"});
  if (!sockets.ok()) {
    std::fprintf(stderr, "cannot listen: %s\n", sockets.status().message().c_str());
    std::exit(1);
  }
  auto server =
      exdm::exporter::HttpServer::Start(std::move(sockets).value(), store, std::move(settings));
  if (!server.ok()) {
    std::fprintf(stderr, "cannot start: %s\n", server.status().message().c_str());
    std::exit(1);
  }
  return Measure((*server)->ports().at(0), kScrapes, client);
}

void Print(const char* name, const Latency& l) {
  std::printf("%-34s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  gzip body %zu bytes  failures %d\n",
              name, l.p50_ms, l.p99_ms, l.max_ms, l.bytes, l.failures);
}

}  // namespace

int main() {
  const auto families = OrgFamilies();
  size_t series = 0;
  for (const auto& f : families)
    series += f.metric.size();
  std::printf(
      "exporter scrape benchmark: %d stores, %zu series; gzip scrapes: baseline %d, result %d\n",
      kServers * kStoresPerServer, series, kBaselineScrapes, kScrapes);

  Latency baseline;
  {
    prometheus::Exposer exposer(
        std::vector<std::string>{"listening_ports", "127.0.0.1:0", "num_threads", "4"});
    auto collectable = std::make_shared<FixedCollectable>(families);
    exposer.RegisterCollectable(collectable);
    baseline = Measure(exposer.GetListeningPorts().at(0), kBaselineScrapes);
  }
  Print("baseline (prometheus-cpp Exposer)", baseline);

  exdm::exporter::SnapshotStore store("bench", "bench");
  store.Publish("audit", families, {true, 1, 1});
  Latency result = Serve(store, exdm::exporter::WebSettings(), {});
  Print("result (snapshot + own server)", result);

  // The same over TLS (keep-alive: one handshake, then 1000 scrapes on the session).
  exdm::testing::TempDir dir("exdm-scrape-bench");
  exdm::testing::TestPki pki(dir.path());
  if (!pki.ok()) {
    std::fprintf(stderr, "%s\n", pki.error().c_str());
    return 1;
  }
  exdm::exporter::TlsServerConfig tls_config;
  tls_config.cert_file = pki.server_cert();
  tls_config.key_file = pki.server_key();
  auto tls = exdm::exporter::TlsContext::Make(tls_config);
  if (!tls.ok()) {
    std::fprintf(stderr, "%s\n", tls.status().message().c_str());
    return 1;
  }
  exdm::exporter::WebSettings tls_settings;
  tls_settings.tls = *tls;
  exdm::testing::HttpClientOptions tls_client;
  tls_client.tls = true;
  tls_client.ca_file = pki.ca_cert();
  const Latency result_tls = Serve(store, tls_settings, tls_client);
  Print("result over TLS (keep-alive)", result_tls);

  std::printf("ratio p99 baseline/result: %.1fx (plain), %.1fx (TLS)\n",
              baseline.p99_ms / result.p99_ms, baseline.p99_ms / result_tls.p99_ms);
  const bool pass = result.failures == 0 && result.p99_ms <= 5.0 && result_tls.failures == 0 &&
                    result_tls.p99_ms <= 5.0;
  std::printf("bar p99 <= 5 ms, plain and TLS: %s\n", pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
