#include "events_metrics.h"

#include "families.h"

namespace exdm::exporter {

std::vector<prometheus::MetricFamily> EventFamilies(
    const std::vector<ServerEventEvidence>& servers) {
  auto logon = Counter("exchange_store_driver_logon_failures_total",
                       "SMTP store driver logon failures (event 326) per store objectGUID "
                       "(unknown when the event names none).");
  auto interface = Counter("exchange_smtp_interface_failures_total",
                           "Store failures to reach its SMTP interface (event 1194).");
  auto calls = Counter("exchange_store_driver_call_failures_total",
                       "Store calls of the SMTP store driver that failed (event 327), by call.");
  auto bad_rows = Counter("exchange_event_log_bad_rows_total",
                          "Rows of the exported application log that could not be read.");
  auto last = Gauge("exchange_event_log_last_event_timestamp_seconds",
                    "Unix time of the latest exported application event read (0 if none).");
  for (const ServerEventEvidence& s : servers) {
    const Labels server = {{"server", s.server}};
    for (const auto& [guid, count] : s.logon_failures_total_by_store) {
      AddSample(logon, {{"server", s.server}, {"store_guid", guid.empty() ? "unknown" : guid}},
                static_cast<double>(count));
    }
    AddSample(interface, server, static_cast<double>(s.interface_failures_total));
    for (const auto& [call, count] : s.call_failures_total) {
      AddSample(calls, {{"server", s.server}, {"call", call}}, static_cast<double>(count));
    }
    AddSample(bad_rows, server, static_cast<double>(s.bad_rows_total));
    AddSample(last, server, static_cast<double>(s.last_event_time.value_or(0)));
  }
  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&logon, &interface, &calls, &bad_rows, &last})
    out.push_back(std::move(*f));
  return out;
}

}  // namespace exdm::exporter
