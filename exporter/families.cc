#include "families.h"

#include "exdm/base/sanitize.h"

namespace exdm::exporter {
namespace {

const char kRefreshNote[] = " Refreshed in the background; a scrape returns the latest snapshot.";

prometheus::MetricFamily Family(std::string name, const std::string& help,
                                prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = help + kRefreshNote;
  family.type = type;
  return family;
}

}  // namespace

prometheus::MetricFamily Gauge(std::string name, const std::string& help) {
  return Family(std::move(name), help, prometheus::MetricType::Gauge);
}

prometheus::MetricFamily Counter(std::string name, const std::string& help) {
  return Family(std::move(name), help, prometheus::MetricType::Counter);
}

void AddSample(prometheus::MetricFamily& family, const Labels& labels, double value) {
  prometheus::ClientMetric metric;
  metric.label.reserve(labels.size());
  for (const auto& [name, label_value] : labels) {
    metric.label.push_back({name, LabelValue(label_value)});
  }
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace exdm::exporter
