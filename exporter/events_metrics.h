// Event evidence (ServerEventEvidence per server) as Prometheus counters: 326 per store GUID,
// 1194 and 327 per server (327 by call), plus bad rows and the latest event time. Every server
// in the evidence appears in the per-server families, at 0 when nothing happened.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "exdm/events/evidence.h"

namespace exdm::exporter {

std::vector<prometheus::MetricFamily> EventFamilies(
    const std::vector<ServerEventEvidence>& servers);

}  // namespace exdm::exporter
