#include "exporter_process.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <thread>

#include "paths.h"

namespace exdm::testing {

std::unique_ptr<ExporterProcess> ExporterProcess::Start(const std::string& dir,
                                                        const std::vector<std::string>& args,
                                                        const std::string& binary) {
  std::vector<std::string> argv = {binary.empty() ? ExporterBinary() : binary};
  bool has_listen = false;
  for (const std::string& a : args) {
    if (a.rfind("--web.listen-address", 0) == 0) has_listen = true;
    argv.push_back(a);
  }
  if (!has_listen) argv.push_back("--web.listen-address=127.0.0.1:0");
  std::string error;
  std::unique_ptr<ExporterProcess> exporter(new ExporterProcess());
  exporter->process_ = BackgroundProcess::Start(argv, dir + "/exporter.log", &error);
  if (!exporter->process_) {
    ADD_FAILURE() << "cannot start the exporter: " << error;
    return nullptr;
  }
  static const std::regex kPorts(R"(\(ports (\d+))");
  // The port is copied out inside the callback: a smatch points into the log string, which
  // does not outlive the call (ASan: heap-use-after-free).
  std::string port;
  const bool ready = exporter->process_->WaitForLog(
      [&port](const std::string& log) {
        std::smatch m;
        if (!std::regex_search(log, m, kPorts)) return false;
        port = m[1].str();
        return true;
      },
      std::chrono::seconds(10));
  if (!ready) {
    ADD_FAILURE() << "exporter did not start listening; log:\n" << exporter->process_->Log();
    return nullptr;
  }
  exporter->port_ = std::stoi(port);
  return exporter;
}

std::string ExporterProcess::ScrapeText(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> all = headers;
  all.emplace_back("Accept-Encoding", "gzip");
  const HttpResponse r = HttpGet(port_, client_, "/metrics", all);
  if (r.status != 200) return "";
  return r.headers.count("content-encoding") ? Gunzip(r.body) : r.body;
}

bool ExporterProcess::WaitForMetric(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (ScrapeText().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

double SampleValue(const std::string& metrics_text, const std::string& series) {
  std::istringstream in(metrics_text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace exdm::testing
