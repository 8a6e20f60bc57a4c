// Builds the collectors the configuration asks for: the LDAP audit when [ldap] uri is set, the
// tracking-log collector when [tracking] dir is set, the event collector when [events] file is
// set, the WMI queue snapshot collector when [queue_snapshot] file is set, the store snapshot
// collectors when [mailbox_snapshot] or [dsaccess_snapshot] file is set, and with any source but
// the queue snapshots the diagnosis collector, which correlates and diagnoses their latest
// results.
// Adding a source means one line here and one Collector implementation.
#pragma once

#include <memory>
#include <vector>

#include "collector.h"
#include "exdm/base/bounded_call.h"
#include "exdm/base/status.h"
#include "exporter_config.h"

namespace exdm::exporter {

// One reader slot per collector that reads files (bounded_call.h), owned by the process and handed
// to the collectors each load and reload builds: a read stuck on a hung share keeps its slot across
// SIGHUP, so reloads cannot strand one more thread each.
struct ReaderSlots {
  std::shared_ptr<ReaderSlot> tracking = std::make_shared<ReaderSlot>();
  std::shared_ptr<ReaderSlot> events = std::make_shared<ReaderSlot>();
  std::shared_ptr<ReaderSlot> queue_snapshot = std::make_shared<ReaderSlot>();
  std::shared_ptr<ReaderSlot> mailbox_snapshot = std::make_shared<ReaderSlot>();
  std::shared_ptr<ReaderSlot> dsaccess_snapshot = std::make_shared<ReaderSlot>();
};

Result<std::vector<std::unique_ptr<Collector>>> MakeCollectors(const ExporterConfig& config,
                                                               const ReaderSlots& slots);

}  // namespace exdm::exporter
