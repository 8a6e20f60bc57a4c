// The metric families exchange_delivery_exporter exports (docs/ARCHITECTURE.md "Metric
// families"). Deploy tests check rules and dashboards against it; the golden /metrics test
// checks the exporter against it, so the list cannot drift from what is really exported.
#pragma once

#include <set>
#include <string>

namespace exdm::testing {

std::set<std::string> ExportedMetricNames();

}  // namespace exdm::testing
