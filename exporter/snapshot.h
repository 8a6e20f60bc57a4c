// The latest /metrics document, built in the background and served as-is by every scrape.
// Each collector's families are rendered through a prometheus::Collectable and serialized once
// when the collector publishes; the whole document is then assembled and gzip-compressed once.
// A scrape only copies a shared_ptr (and appends the few process_* lines it reads from /proc), so
// it never waits on LDAP, disk or serialization.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gzip.h"

namespace exdm::exporter {

struct RenderedSnapshot {
  std::string text;  // text exposition format 0.0.4
  GzipPrefix gzip;   // the same, gzip-compressed; a response appends the process_* metrics
};

// How a collector's latest refresh went (exchange_collector_* families).
struct CollectorHealth {
  bool success = false;
  double duration_seconds = 0;
  double last_success_unix = 0;  // 0 until the first success
};

class SnapshotStore {
 public:
  SnapshotStore(std::string version, std::string revision);

  // Registers a collector so its health series exist (success 0) before its first refresh.
  void Register(const std::string& collector);
  // Drops a collector and its families (config reload removed the source).
  void Unregister(const std::string& collector);

  // Replaces the collector's families and health, then re-renders the document.
  void Publish(const std::string& collector, std::vector<prometheus::MetricFamily> families,
               const CollectorHealth& health);

  // The document scrapes serve. Never null.
  std::shared_ptr<const RenderedSnapshot> Current() const;

 private:
  struct Entry {
    std::shared_ptr<const std::string> text;  // this collector's families, serialized
    CollectorHealth health;
  };
  // Assembles and compresses the document from the latest entries. Runs outside state_mutex_ and
  // current_mutex_, so neither publishers nor scrapes wait for it.
  void Render();

  const std::string version_;
  const std::string revision_;
  std::mutex render_mutex_;  // one render at a time; each one reads the newest entries
  mutable std::mutex state_mutex_;
  std::map<std::string, Entry> entries_;  // by collector name: a stable document order
  mutable std::mutex current_mutex_;
  std::shared_ptr<const RenderedSnapshot> current_;
};

// Serializes families in the text format through a prometheus::Collectable (the contract: the
// snapshot is rendered through a Collectable, so label sets that vanish vanish from /metrics).
std::string RenderFamilies(std::vector<prometheus::MetricFamily> families);

}  // namespace exdm::exporter
