#include "exporter_metric_names.h"

namespace exdm::testing {

std::set<std::string> ExportedMetricNames() {
  return {
      "exchange_store_info",
      "exchange_smtp_mailbox_ok",
      "exchange_smtp_mailbox_findings",
      "exchange_smtp_mailbox_orphans",
      "exchange_smtp_mailboxes",
      "exchange_local_delivery_stalled_deliveries",
      "exchange_store_stalled_deliveries",
      "exchange_delivery_diagnosis",
      "exchange_local_delivery_oldest_stalled_timestamp_seconds",
      "exchange_local_delivery_in_flight_deliveries",
      "exchange_local_delivery_retries_total",
      "exchange_local_delivery_vanished_total",
      "exchange_local_delivery_overflow_total",
      "exchange_tracking_log_events_total",
      "exchange_tracking_log_parse_errors_total",
      "exchange_tracking_log_last_event_timestamp_seconds",
      "exchange_store_driver_logon_failures_total",
      "exchange_smtp_interface_failures_total",
      "exchange_store_driver_call_failures_total",
      "exchange_event_log_bad_rows_total",
      "exchange_event_log_last_event_timestamp_seconds",
      "exchange_queue_snapshot_messages",
      "exchange_queue_snapshot_size_bytes",
      "exchange_queue_snapshot_oldest_message_timestamp_seconds",
      "exchange_queue_snapshot_retry",
      "exchange_queue_snapshot_timestamp_seconds",
      "exchange_mailbox_snapshot_timestamp_seconds",
      "exchange_dsaccess_snapshot_timestamp_seconds",
      "exchange_dsaccess_dc_up",
      "exchange_dsaccess_dc_in_sync",
      "exchange_ldap_up",
      "exchange_collector_success",
      "exchange_collector_duration_seconds",
      "exchange_collector_last_success_timestamp_seconds",
      "exchange_delivery_exporter_build_info",
      // the client libraries' process collector, read at scrape time
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "process_virtual_memory_bytes",
      "process_start_time_seconds",
      "process_open_fds",
      "process_max_fds",
  };
}

}  // namespace exdm::testing
