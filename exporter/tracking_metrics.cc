#include "tracking_metrics.h"

#include <map>
#include <string>

#include "exdm/tracking/event_ids.h"
#include "families.h"

namespace exdm::exporter {

std::vector<prometheus::MetricFamily> TrackingFamilies(
    const std::vector<LocalDeliveryReport>& servers) {
  auto stalled = Gauge("exchange_local_delivery_stalled_deliveries",
                       "Local deliveries (message, recipient) whose latest event is a retry.");
  auto oldest = Gauge("exchange_local_delivery_oldest_stalled_timestamp_seconds",
                      "Unix time the oldest stalled local delivery entered the local queue (0 "
                      "when none is stalled).");
  auto in_flight = Gauge("exchange_local_delivery_in_flight_deliveries",
                         "Local deliveries being tracked (queued, attempted or retrying).");
  auto retries = Counter("exchange_local_delivery_retries_total",
                         "Scheduled local delivery retries (event 1037) per recipient.");
  auto vanished = Counter("exchange_local_delivery_vanished_total",
                          "Stalled local deliveries dropped after no event for the vanish "
                          "interval.");
  auto overflow = Counter("exchange_local_delivery_overflow_total",
                          "Local deliveries not tracked because the in-flight table was full.");
  auto events = Counter("exchange_tracking_log_events_total",
                        "Message tracking log lines by event ID (undocumented IDs as other).");
  auto parse_errors = Counter("exchange_tracking_log_parse_errors_total",
                              "Message tracking log lines that could not be parsed.");
  auto last_event = Gauge("exchange_tracking_log_last_event_timestamp_seconds",
                          "Unix time of the latest message tracking log line read (0 if none).");
  for (const LocalDeliveryReport& r : servers) {
    const Labels server = {{"server", r.server}};
    AddSample(stalled, server, static_cast<double>(r.stalled_deliveries));
    AddSample(oldest, server, static_cast<double>(r.oldest_stalled_first_seen.value_or(0)));
    AddSample(in_flight, server, static_cast<double>(r.in_flight));
    AddSample(retries, server, static_cast<double>(r.retries_total));
    AddSample(vanished, server, static_cast<double>(r.vanished_total));
    AddSample(overflow, server, static_cast<double>(r.overflow_total));
    AddSample(parse_errors, server, static_cast<double>(r.parse_errors_total));
    AddSample(last_event, server, static_cast<double>(r.last_event_timestamp.value_or(0)));
    // Documented IDs always, at 0 when unseen, so rate() works from the first occurrence.
    std::map<std::string, uint64_t> counts;
    for (const TrackingEventInfo& known : TrackingEventTable::Known()) {
      counts[std::to_string(known.id)] = 0;
    }
    counts["other"] = 0;
    for (const auto& [event, count] : r.events_total)
      counts[event] += count;
    for (const auto& [event, count] : counts) {
      AddSample(events, {{"server", r.server}, {"event", event}}, static_cast<double>(count));
    }
  }
  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&stalled, &oldest, &in_flight, &retries, &vanished, &overflow, &events,
                  &parse_errors, &last_event}) {
    out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace exdm::exporter
