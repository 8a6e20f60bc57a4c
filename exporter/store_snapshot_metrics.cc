#include "store_snapshot_metrics.h"

#include <map>
#include <string>
#include <utility>

#include "families.h"

namespace exdm::exporter {

std::vector<prometheus::MetricFamily> MailboxSnapshotFamilies(
    const std::vector<ServerStoreSnapshot<MailboxSnapshot>>& servers) {
  auto taken = Gauge("exchange_mailbox_snapshot_timestamp_seconds",
                     "Unix time the latest good store mailbox snapshot (Exchange_Mailbox) was "
                     "taken on the Exchange server (0 before the first).");
  for (const auto& s : servers) {
    AddSample(taken, {{"server", s.server}},
              s.snapshot ? static_cast<double>(s.snapshot->taken_at) : 0);
  }
  std::vector<prometheus::MetricFamily> out;
  out.push_back(std::move(taken));
  return out;
}

std::vector<prometheus::MetricFamily> DsAccessSnapshotFamilies(
    const std::vector<ServerStoreSnapshot<DsAccessSnapshot>>& servers) {
  auto taken = Gauge("exchange_dsaccess_snapshot_timestamp_seconds",
                     "Unix time the latest good DSAccess snapshot (Exchange_DSAccessDC) was "
                     "taken on the Exchange server (0 before the first).");
  auto up = Gauge("exchange_dsaccess_dc_up",
                  "1 when DSAccess on the Exchange server marks this directory server up in this "
                  "role (type config, domain or gc), per its latest good DSAccess snapshot.");
  auto in_sync = Gauge("exchange_dsaccess_dc_in_sync",
                       "1 when DSAccess on the Exchange server marks this directory server in "
                       "sync, per its latest good DSAccess snapshot.");
  for (const auto& s : servers) {
    AddSample(taken, {{"server", s.server}},
              s.snapshot ? static_cast<double>(s.snapshot->taken_at) : 0);
    if (!s.snapshot) continue;
    // One series per DC and role: a row listed twice counts as down (or out of sync) if either
    // says so, never as two samples of one series.
    std::map<std::pair<std::string, DsAccessRole>, std::pair<bool, bool>> dcs;
    for (const DsAccessDc& dc : s.snapshot->dcs) {
      auto [it, inserted] =
          dcs.emplace(std::make_pair(dc.name, dc.role), std::make_pair(dc.up, dc.in_sync));
      if (!inserted) {
        it->second.first = it->second.first && dc.up;
        it->second.second = it->second.second && dc.in_sync;
      }
    }
    for (const auto& [key, state] : dcs) {
      const Labels labels = {{"server", s.server},
                             {"dc", key.first},
                             {"type", std::string(DsAccessRoleName(key.second))}};
      AddSample(up, labels, state.first ? 1 : 0);
      AddSample(in_sync, labels, state.second ? 1 : 0);
    }
  }
  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&taken, &up, &in_sync})
    out.push_back(std::move(*f));
  return out;
}

}  // namespace exdm::exporter
