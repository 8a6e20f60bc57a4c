// The tracking-log analysis (LocalDeliveryReport per server) as Prometheus families:
// exchange_local_delivery_* and exchange_tracking_log_* (docs/ARCHITECTURE.md "Metric families").
// Every server in the reports appears in every per-server family, at 0 when nothing happened; the
// event family lists every documented event ID plus "other" for each server.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "exdm/tracking/local_delivery.h"

namespace exdm::exporter {

std::vector<prometheus::MetricFamily> TrackingFamilies(
    const std::vector<LocalDeliveryReport>& servers);

}  // namespace exdm::exporter
