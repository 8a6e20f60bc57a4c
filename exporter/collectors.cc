#include "collectors.h"

namespace exdm::exporter {

Result<std::vector<std::unique_ptr<Collector>>> MakeCollectors(const ExporterConfig& config) {
  std::vector<std::unique_ptr<Collector>> collectors;
  (void)config;
  return collectors;
}

}  // namespace exdm::exporter
