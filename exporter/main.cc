// exchange_delivery_exporter: the Prometheus exporter (thin: config -> core -> metrics).
#include <signal.h>

#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <string>
#include <thread>
#include <vector>

#include "exdm/version.h"

namespace po = boost::program_options;

namespace {

// Prometheus' ":9755" means all interfaces; CivetWeb wants "9755" for that.
std::string ToCivetPort(const std::string& address) {
  if (!address.empty() && address.front() == ':') return address.substr(1);
  return address;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("Options");
  desc.add_options()
      ("config.file", po::value<std::string>(), "INI configuration file")
      ("web.listen-address", po::value<std::vector<std::string>>()->composing(),
       "address to listen on (repeatable, default :9755)")
      ("web.telemetry-path", po::value<std::string>()->default_value("/metrics"),
       "path under which to expose metrics")
      ("version", "print the version and exit")
      ("help,h", "print this help and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "exchange_delivery_exporter: " << e.what() << "\n";
    return 3;
  }
  if (vm.count("help")) {
    std::cout << "exchange_delivery_exporter " << exdm::kVersion << "\n"
              << "Usage: exchange_delivery_exporter --config.file FILE [options]\n"
              << desc;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "exchange_delivery_exporter " << exdm::kVersion << " (" << exdm::kRevision
              << ")\n";
    return 0;
  }

  std::vector<std::string> listen = {":9755"};
  if (vm.count("web.listen-address")) listen = vm["web.listen-address"].as<std::vector<std::string>>();
  std::string ports;
  for (const std::string& a : listen) {
    if (!ports.empty()) ports += ",";
    ports += ToCivetPort(a);
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", ports, "num_threads", "2"});
  } catch (const std::exception& e) {
    std::cerr << "<3>exchange_delivery_exporter: cannot listen on " << ports << ": " << e.what()
              << "\n";
    return 1;
  }
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge()
      .Name("exchange_delivery_exporter_build_info")
      .Help("Build information of exchange_delivery_exporter (always 1).")
      .Register(*registry)
      .Add({{"version", exdm::kVersion}, {"revision", exdm::kRevision}})
      .Set(1);
  exposer->RegisterCollectable(registry, vm["web.telemetry-path"].as<std::string>());
  std::cerr << "<6>exchange_delivery_exporter " << exdm::kVersion << " listening on " << ports
            << "\n";
  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "<6>exchange_delivery_exporter: stopping on signal " << sig << "\n";
  return 0;
}
