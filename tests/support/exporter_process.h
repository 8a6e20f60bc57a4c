// The real exchange_delivery_exporter binary for one test: listens on 127.0.0.1 on a port the
// kernel picks (read back from its startup log line), logs into the test's temp dir, stopped by
// the destructor. Scrape helpers decode gzip like Prometheus does.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "background_process.h"
#include "http_client.h"

namespace exdm::testing {

class ExporterProcess {
 public:
  // Adds --web.listen-address=127.0.0.1:0 unless args has a listen address. On failure records
  // a non-fatal GoogleTest failure with the log and returns nullptr. `binary`: another build of
  // the exporter (the one a package installs) instead of the build tree's.
  static std::unique_ptr<ExporterProcess> Start(const std::string& dir,
                                                const std::vector<std::string>& args,
                                                const std::string& binary = "");

  int port() const { return port_; }
  BackgroundProcess& process() { return *process_; }
  std::string Log() const { return process_->Log(); }

  // How ScrapeText and WaitForMetric connect (TLS, client certificate); plain IPv4 by default.
  void set_client(const HttpClientOptions& client) { client_ = client; }
  const HttpClientOptions& client() const { return client_; }

  // GET /metrics with Accept-Encoding: gzip, decoded; empty on failure.
  std::string ScrapeText(const std::vector<std::pair<std::string, std::string>>& headers = {});
  // Waits until a scrape contains `needle` (collectors refresh in the background).
  bool WaitForMetric(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  ExporterProcess() = default;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
  HttpClientOptions client_;
};

// The value of the first sample whose line starts with `series` (name plus labels, as exposed),
// or NaN when absent.
double SampleValue(const std::string& metrics_text, const std::string& series);

}  // namespace exdm::testing
