// The event collector: reads the exported application logs ([events] file) incrementally with
// the core's CollectEventEvidence, its state (offsets and counters) in <state_dir>/events.state,
// on events_interval. Reads are bounded (a hung share times out, and no second read starts
// while one stays blocked); a failed run keeps the previous evidence.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collector.h"
#include "exdm/base/bounded_call.h"
#include "exdm/events/evidence.h"
#include "exporter_config.h"

namespace exdm::exporter {

class EventsCollector : public Collector {
 public:
  EventsCollector(std::vector<NamedPath> files, std::string time_zone, std::string state_dir,
                  std::chrono::seconds interval,
                  std::chrono::seconds read_timeout = std::chrono::seconds(0),
                  std::shared_ptr<ReaderSlot> reader_slot = std::make_shared<ReaderSlot>());

  std::string name() const override { return "events"; }
  std::chrono::seconds interval() const override { return interval_; }
  Status Refresh() override;
  std::vector<prometheus::MetricFamily> Families() const override;

 private:
  const std::vector<NamedPath> files_;
  const std::string time_zone_;
  const std::string state_path_;
  const std::chrono::seconds interval_;
  const std::chrono::seconds read_timeout_;
  // Held while a read runs; a read stuck on a hung share keeps it (see bounded_call.h).
  const std::shared_ptr<ReaderSlot> reader_slot_;
  std::vector<ServerEventEvidence> last_good_;
};

}  // namespace exdm::exporter
