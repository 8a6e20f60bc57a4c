// exchange_delivery_exporter: the Prometheus exporter (thin: config -> core -> metrics).
// main() wires the pieces: config, web config, snapshot store, HTTP server, one background runner
// per collector; then waits for SIGTERM/SIGINT (stop) or SIGHUP (re-read the configuration).
#include <malloc.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "collector_runner.h"
#include "collectors.h"
#include "exdm/version.h"
#include "exporter_config.h"
#include "log.h"
#include "snapshot.h"
#include "web_service.h"
#include "web_settings.h"

namespace exdm::exporter {
namespace {

Result<std::vector<std::unique_ptr<CollectorRunner>>> StartCollectors(const ExporterConfig& config,
                                                                      const ReaderSlots& slots,
                                                                      SnapshotStore& store) {
  auto collectors = MakeCollectors(config, slots);
  if (!collectors.ok()) return collectors.status();
  std::vector<std::unique_ptr<CollectorRunner>> runners;
  for (auto& collector : *collectors) {
    runners.push_back(std::make_unique<CollectorRunner>(std::move(collector), store));
  }
  return runners;
}

void StopCollectors(std::vector<std::unique_ptr<CollectorRunner>>& runners, SnapshotStore& store,
                    const std::vector<std::string>& names) {
  for (auto& runner : runners)
    runner->Stop();
  runners.clear();
  for (const std::string& name : names)
    store.Unregister(name);
}

std::vector<std::string> CollectorNames(const ExporterConfig& config) {
  std::vector<std::string> names;
  auto collectors = MakeCollectors(config, ReaderSlots());
  if (collectors.ok()) {
    for (const auto& c : *collectors)
      names.push_back(c->name());
  }
  return names;
}

int Run(int argc, const char* const argv[]) {
  // glibc gives each thread its own malloc arena (up to 8 per core), each keeping freed memory;
  // a few collector threads doing big refreshes would otherwise hold several peaks at once.
  mallopt(M_ARENA_MAX, 2);
  Result<ParsedExporterCommandLine> parsed = ParseExporterCommandLine(argc, argv);
  if (!parsed.ok()) {
    std::cerr << "exchange_delivery_exporter: " << parsed.status().message() << "\n";
    return 2;
  }
  if (parsed->action == ParsedExporterCommandLine::Action::kHelp) {
    std::cout << parsed->help_text;
    return 0;
  }
  if (parsed->action == ParsedExporterCommandLine::Action::kVersion) {
    std::cout << "exchange_delivery_exporter " << kVersion << " (" << kRevision << ")\n";
    return 0;
  }
  ExporterConfig config = parsed->config;
  ConfigureLog(config.log);
  Result<WebSettings> web_settings = LoadWebSettings(config.web_config_file, config.telemetry_path);
  if (!web_settings.ok()) {
    Log(LogPriority::kError, web_settings.status().message());
    return 2;
  }

  // Signals are taken synchronously by sigwait below; block them before any thread starts so
  // every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SnapshotStore store(kVersion, kRevision);
  auto web = WebService::Start(config, std::move(web_settings).value(), store);
  if (!web.ok()) {
    Log(LogPriority::kError, web.status().message());
    return 1;
  }
  const ReaderSlots slots;  // outlive every reload (see collectors.h)
  auto runners = StartCollectors(config, slots, store);
  if (!runners.ok()) {
    Log(LogPriority::kError, runners.status().message());
    return 2;
  }

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != SIGHUP) {
      Log(LogPriority::kInfo, "stopping on signal " + std::to_string(sig));
      break;
    }
    // SIGHUP: re-read flags + config file; keep running on the old settings if they are bad.
    Result<ParsedExporterCommandLine> again = ParseExporterCommandLine(argc, argv);
    if (!again.ok()) {
      Log(LogPriority::kError,
          "reload failed, keeping the running configuration: " + again.status().message());
      continue;
    }
    Result<WebSettings> new_web = (*web)->Prepare(again->config);
    if (!new_web.ok()) {
      Log(LogPriority::kError,
          "reload failed, keeping the running configuration: " + new_web.status().message());
      continue;
    }
    if (!(*web)->Apply(again->config, std::move(new_web).value())) {
      StopCollectors(*runners, store, {});
      return 1;
    }
    StopCollectors(*runners, store, CollectorNames(config));
    config = again->config;
    ConfigureLog(config.log);
    runners = StartCollectors(config, slots, store);
    if (!runners.ok()) {
      Log(LogPriority::kError, "reload: " + runners.status().message());
      runners = std::vector<std::unique_ptr<CollectorRunner>>();
    }
    Log(LogPriority::kInfo, "configuration reloaded");
  }
  // A collector stuck in a refresh (a read on a hung share waits out its deadline, a minute or
  // more) must not hold up a stop: give each a few seconds, then leave without it.
  for (auto& runner : *runners) {
    if (!runner->StopWithin(std::chrono::seconds(3))) {
      Log(LogPriority::kWarning,
          "a collector is still busy (hung share or LDAP server?); "
          "stopping without waiting for it");
      std::_Exit(0);
    }
  }
  runners->clear();
  return 0;
}

}  // namespace
}  // namespace exdm::exporter

int main(int argc, char** argv) {
  // A closed LDAP or HTTP peer must surface as a write error, never kill the exporter.
  signal(SIGPIPE, SIG_IGN);
  return exdm::exporter::Run(argc, argv);
}
