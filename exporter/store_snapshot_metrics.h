// What the store snapshots export (docs/ARCHITECTURE.md "Metric families"):
//  - exchange_mailbox_snapshot_timestamp_seconds{server}: when the latest good mailbox snapshot
//    was taken (0 before the first); every configured server present.
//  - exchange_dsaccess_snapshot_timestamp_seconds{server}: the same for the DSAccess snapshots.
//  - exchange_dsaccess_dc_up{server,dc,type} and exchange_dsaccess_dc_in_sync{server,dc,type}:
//    1 or 0 per DC and role (`type` config, domain, gc) DSAccess lists, as of that snapshot.
// (exchange_smtp_mailbox_findings carries the store-side findings: audit_metrics.h.)
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "exdm/store/dsaccess_snapshot.h"
#include "exdm/store/mailbox_snapshot.h"
#include "store_snapshot_collector.h"

namespace exdm::exporter {

std::vector<prometheus::MetricFamily> MailboxSnapshotFamilies(
    const std::vector<ServerStoreSnapshot<MailboxSnapshot>>& servers);

std::vector<prometheus::MetricFamily> DsAccessSnapshotFamilies(
    const std::vector<ServerStoreSnapshot<DsAccessSnapshot>>& servers);

}  // namespace exdm::exporter
