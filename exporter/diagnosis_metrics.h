// What the diagnosis collector exports (docs/ARCHITECTURE.md "Metric families"):
//  - exchange_delivery_diagnosis{server,storage_group,store,cause} = 1 for each current diagnosis:
//    per store, or per server with storage_group and store empty; `cause` is the diagnosis kind
//    as the check names it ("smtp_mailbox", "poison_message", ...). A store known only by the
//    GUID its event 326 names (no audit) has that GUID as `store`. A diagnosis that clears
//    disappears.
//  - exchange_store_stalled_deliveries{server,storage_group,store}: every store in `stores` (the
//    audited mailbox stores of the tracked servers) at 0 unless it has stalls, so a store that
//    recovers reads 0 and one that leaves the audit disappears; plus any other store a stall was
//    tied to.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "exdm/base/store_ref.h"
#include "exdm/diagnosis/diagnosis.h"
#include "exdm/diagnosis/store_stalls.h"

namespace exdm::exporter {

prometheus::MetricFamily DiagnosisFamily(const Diagnosis& diagnosis);

prometheus::MetricFamily StoreStalledFamily(const std::vector<StoreRef>& stores,
                                            const std::vector<StoreStall>& stalls);

}  // namespace exdm::exporter
