// The event collector: reads the exported application logs ([events] file) incrementally with
// the core's RunEventAnalysis, its state (offsets and counters) in <state_dir>/events.state, on
// events_interval. Reads are bounded (a hung share times out, and no second read starts while one
// stays blocked); a failed run keeps the previous evidence. The evidence (the last day's events,
// as the check's default --window) also goes to the diagnosis collector (latest_results.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collector.h"
#include "exdm/base/bounded_call.h"
#include "exdm/events/evidence.h"
#include "exdm/events/settings.h"
#include "latest_results.h"

namespace exdm::exporter {

class EventsCollector : public Collector {
 public:
  // `results` (optional) receives every attempt's good evidence.
  EventsCollector(EventSettings settings, const std::string& state_dir,
                  std::chrono::seconds interval,
                  std::chrono::seconds read_timeout = std::chrono::seconds(0),
                  std::shared_ptr<ReaderSlot> reader_slot = std::make_shared<ReaderSlot>(),
                  std::shared_ptr<LatestResults> results = nullptr);

  std::string name() const override { return "events"; }
  std::chrono::seconds interval() const override { return interval_; }
  Status Refresh() override;
  std::vector<prometheus::MetricFamily> Families() const override;

 private:
  const EventSettings settings_;
  const std::string state_path_;
  const std::chrono::seconds interval_;
  const std::chrono::seconds read_timeout_;
  // Held while a read runs; a read stuck on a hung share keeps it (see bounded_call.h).
  const std::shared_ptr<ReaderSlot> reader_slot_;
  const std::shared_ptr<LatestResults> results_;
  std::shared_ptr<const EventEvidence> last_good_;
};

}  // namespace exdm::exporter
