// The tracking-log analysis (LocalDeliveryReport per server) as Prometheus families:
// exchange_local_delivery_* and exchange_tracking_log_* (docs/ARCHITECTURE.md "Metric families").
// Every server in the reports appears in every per-server family, at 0 when nothing happened; the
// event family lists every documented event ID plus "other" for each server.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "exdm/diagnosis/store_stalls.h"
#include "exdm/tracking/local_delivery.h"

namespace exdm::exporter {

std::vector<prometheus::MetricFamily> TrackingFamilies(
    const std::vector<LocalDeliveryReport>& servers);

// exchange_store_stalled_deliveries: every store in `stores` (the audited mailbox stores of the
// tracked servers) at 0 unless it has stalls, so a store that recovers reads 0 and one that leaves
// the audit disappears; plus any other store a stall was tied to.
prometheus::MetricFamily StoreStalledFamily(const std::vector<StoreRef>& stores,
                                            const std::vector<StoreStall>& stalls);

}  // namespace exdm::exporter
