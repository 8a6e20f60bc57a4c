// One collector per source (LDAP audit, tracking logs, events, queue snapshots), node_exporter
// style, and the diagnosis over their latest results. A CollectorRunner calls Refresh() on the
// collector's own interval in a background thread, then Families(); scrapes never call a
// collector.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <string>
#include <vector>

#include "exdm/base/status.h"

namespace exdm::exporter {

class Collector {
 public:
  virtual ~Collector() = default;

  // The `collector` label value ("audit", "tracking", "events", "queue_snapshot",
  // "mailbox_snapshot", "dsaccess_snapshot", "diagnosis").
  virtual std::string name() const = 0;
  virtual std::chrono::seconds interval() const = 0;
  // Whether a refresh builds a large transient working set (the whole topology of AD, the whole
  // in-flight table): such refreshes take turns (CollectorRunner), so the process's peak is the
  // largest of them, not their sum.
  virtual bool large_refresh() const { return false; }

  // Does the slow work (LDAP, disk) and keeps the result. On failure the previous good result
  // stays, so Families() keeps serving it; only reachability gauges (exchange_ldap_up) change.
  virtual Status Refresh() = 0;

  // Families from the latest good result. Only families this collector owns: no two collectors
  // emit the same family name, so their renderings can be concatenated.
  virtual std::vector<prometheus::MetricFamily> Families() const = 0;
};

// How long one refresh waits for its file reads: `configured` ([exporter] read_timeout) when set,
// else the collector's own default.
inline std::chrono::seconds ReadBudget(std::chrono::seconds configured,
                                       std::chrono::seconds automatic) {
  return configured.count() > 0 ? configured : automatic;
}

}  // namespace exdm::exporter
