// Small builders for prometheus::MetricFamily, so collectors read like the table in
// docs/ARCHITECTURE.md "Metric families". Every HELP text gets the same suffix saying values are
// refreshed in the background.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <utility>
#include <vector>

namespace exdm::exporter {

using Labels = std::vector<std::pair<std::string, std::string>>;

prometheus::MetricFamily Gauge(std::string name, const std::string& help);
prometheus::MetricFamily Counter(std::string name, const std::string& help);

// Adds one sample (gauge or counter, per the family's type). Label values are the names as they
// are (exdm/base/sanitize.h LabelValue: the exposition escapes what it must), so two stores whose
// names differ are two series, and AD text can never break the exposition format.
void AddSample(prometheus::MetricFamily& family, const Labels& labels, double value);

}  // namespace exdm::exporter
