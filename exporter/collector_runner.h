// Runs one Collector in its own background thread: Refresh() right away, then every interval,
// publishing families and health to the SnapshotStore. A failure is logged once when it starts
// (or its message changes) and once when it ends, never per scrape or per retry.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "collector.h"
#include "snapshot.h"

namespace exdm::exporter {

class CollectorRunner {
 public:
  CollectorRunner(std::unique_ptr<Collector> collector, SnapshotStore& store);
  ~CollectorRunner();  // Stop()s

  CollectorRunner(const CollectorRunner&) = delete;
  CollectorRunner& operator=(const CollectorRunner&) = delete;

  // Wakes the thread and joins it. A refresh in progress finishes first (its own LDAP/IO
  // timeouts bound that).
  void Stop();
  // Stop() for shutdown: false (the thread left running) when a refresh in progress does not end
  // within `grace`, e.g. one waiting out its deadline on a hung share; the caller then exits
  // without it (nothing is lost: state files are only replaced after a complete run).
  bool StopWithin(std::chrono::milliseconds grace);

 private:
  void Loop();
  void RefreshOnce();

  std::unique_ptr<Collector> collector_;
  const std::string name_;
  SnapshotStore& store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool finished_ = false;  // Loop() returned
  std::condition_variable done_;
  std::string last_error_;  // empty while healthy
  double last_success_unix_ = 0;
  std::thread thread_;
};

}  // namespace exdm::exporter
