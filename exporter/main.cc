// exchange_delivery_exporter: the Prometheus exporter (thin: config -> core -> metrics).
// main() wires the pieces: config, web config, snapshot store, HTTP server, one background runner
// per collector; then waits for SIGTERM/SIGINT (stop) or SIGHUP (re-read the configuration).
// A reload reads its files on a thread of its own (background_task.h) while the signal loop
// keeps answering: SIGTERM stops the exporter at once even while a reload waits on a hung share.
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "background_task.h"
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

// What a reload reads: the flags and --config.file again, and the web config and certificates
// they name (WebService::Prepare reads files only; the running service changes in Apply, on the
// signal loop's thread).
struct Reread {
  Result<ParsedExporterCommandLine> parsed;
  Result<WebSettings> web = Status(ErrorCode::kInternal, "not read");
};

Reread ReadConfiguration(const std::vector<std::string>& args, const WebService& web) {
  std::vector<const char*> argv;
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  Reread r{ParseExporterCommandLine(static_cast<int>(argv.size()), argv.data())};
  if (r.parsed.ok()) r.web = web.Prepare(r.parsed->config);
  return r;
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

  // Signals are taken synchronously through a signalfd below; block them before any thread starts
  // so every thread inherits the mask.
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

  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    Log(LogPriority::kError, std::string("signalfd: ") + std::strerror(errno));
    return 1;
  }
  const std::vector<std::string> args(argv, argv + argc);
  const WebService* running_web = web->get();
  auto read_again = [args, running_web] { return ReadConfiguration(args, *running_web); };
  std::unique_ptr<BackgroundTask<Reread>> reload;  // the reload reading its files, if any
  bool reload_again = false;  // a SIGHUP came while one was reading: read once more after it
  for (;;) {
    pollfd watched[2] = {{signal_fd, POLLIN, 0}, {reload ? reload->ready_fd() : -1, POLLIN, 0}};
    if (poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      Log(LogPriority::kError, std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (watched[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(signal_fd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) continue;
      if (info.ssi_signo != SIGHUP) {
        Log(LogPriority::kInfo, "stopping on signal " + std::to_string(info.ssi_signo));
        break;
      }
      if (reload) {
        reload_again = true;
        Log(LogPriority::kInfo,
            "SIGHUP while a reload still reads its configuration: reloading again after it");
      } else {
        reload = std::make_unique<BackgroundTask<Reread>>(read_again);
      }
      continue;
    }
    if (!(watched[1].revents & POLLIN) || !reload->done()) continue;
    // SIGHUP: flags + config file re-read; keep running on the old settings if they are bad.
    Reread again = reload->Take();
    reload.reset();
    if (reload_again) {
      reload_again = false;
      reload = std::make_unique<BackgroundTask<Reread>>(read_again);
    }
    if (!again.parsed.ok()) {
      Log(LogPriority::kError,
          "reload failed, keeping the running configuration: " + again.parsed.status().message());
      continue;
    }
    if (!again.web.ok()) {
      Log(LogPriority::kError,
          "reload failed, keeping the running configuration: " + again.web.status().message());
      continue;
    }
    if (!(*web)->Apply(again.parsed->config, std::move(again.web).value())) {
      StopCollectors(*runners, store, {});
      return 1;
    }
    StopCollectors(*runners, store, CollectorNames(config));
    config = again.parsed->config;
    ConfigureLog(config.log);
    runners = StartCollectors(config, slots, store);
    if (!runners.ok()) {
      Log(LogPriority::kError, "reload: " + runners.status().message());
      runners = std::vector<std::unique_ptr<CollectorRunner>>();
    }
    Log(LogPriority::kInfo, "configuration reloaded");
  }
  close(signal_fd);
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
  // A reload still reading (its file on a hung share) cannot be waited for: leave without it.
  if (reload && !reload->done()) std::_Exit(0);
  return 0;
}

}  // namespace
}  // namespace exdm::exporter

int main(int argc, char** argv) {
  // A closed LDAP or HTTP peer must surface as a write error, never kill the exporter.
  signal(SIGPIPE, SIG_IGN);
  return exdm::exporter::Run(argc, argv);
}
