// Builds the collectors the configuration asks for: the LDAP audit when [ldap] uri is set, the
// tracking-log collector when [tracking] dir is set, the event collector when [events] file is
// set, the WMI queue snapshot collector when [queue_snapshot] file is set. Adding a source means
// one line here and one Collector implementation.
#pragma once

#include <memory>
#include <vector>

#include "collector.h"
#include "exdm/status.h"
#include "exporter_config.h"

namespace exdm::exporter {

Result<std::vector<std::unique_ptr<Collector>>> MakeCollectors(const ExporterConfig& config);

}  // namespace exdm::exporter
