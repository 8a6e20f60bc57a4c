// The tracking-log collector: runs the core's RunTrackingAnalysis (the check's queue code) on
// tracking_interval, incrementally, with its state in <state_dir>/tracking.state (consumer
// "exporter", so it never shares offsets with the check), so counters only go up and survive
// rotation and restarts. A run that fails keeps the previous report.
#pragma once

#include <string>
#include <vector>

#include "collector.h"
#include "exdm/local_delivery.h"
#include "exporter_config.h"

namespace exdm::exporter {

class TrackingCollector : public Collector {
 public:
  TrackingCollector(std::vector<NamedPath> dirs, std::string state_dir,
                    std::chrono::seconds interval);

  std::string name() const override { return "tracking"; }
  std::chrono::seconds interval() const override { return interval_; }
  Status Refresh() override;
  std::vector<prometheus::MetricFamily> Families() const override;

 private:
  const std::vector<NamedPath> dirs_;
  const std::string state_path_;
  const std::chrono::seconds interval_;
  std::vector<LocalDeliveryReport> last_good_;
};

}  // namespace exdm::exporter
