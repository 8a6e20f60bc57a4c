// The tracking-log collector: runs the core's RunTrackingAnalysis (the check's queue code) on
// tracking_interval, incrementally, with its state in <state_dir>/tracking.state (consumer
// "exporter", so it never shares offsets with the check), so counters only go up and survive
// rotation and restarts. A run that fails keeps the previous report. Every good report also goes
// to the diagnosis collector (latest_results.h), which ties the stalls to stores.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collector.h"
#include "exdm/base/bounded_call.h"
#include "exdm/tracking/local_delivery.h"
#include "exdm/tracking/settings.h"
#include "latest_results.h"

namespace exdm::exporter {

class TrackingCollector : public Collector {
 public:
  // `results` (optional) receives every attempt's good report.
  TrackingCollector(TrackingSettings settings, const std::string& state_dir,
                    std::chrono::seconds interval,
                    std::chrono::seconds read_timeout = std::chrono::seconds(0),
                    std::shared_ptr<ReaderSlot> reader_slot = std::make_shared<ReaderSlot>(),
                    std::shared_ptr<LatestResults> results = nullptr);

  std::string name() const override { return "tracking"; }
  std::chrono::seconds interval() const override { return interval_; }
  bool large_refresh() const override { return true; }
  Status Refresh() override;
  std::vector<prometheus::MetricFamily> Families() const override;

 private:
  Status Read();

  const TrackingSettings settings_;
  const std::string state_path_;
  const std::chrono::seconds interval_;
  const std::chrono::seconds read_timeout_;
  // Held while a read runs; a read stuck on a hung share keeps it (see bounded_call.h).
  const std::shared_ptr<ReaderSlot> reader_slot_;
  const std::shared_ptr<LatestResults> results_;
  std::shared_ptr<const std::vector<LocalDeliveryReport>> last_good_;
};

}  // namespace exdm::exporter
