#include "exdm/ad/topology.h"

#include "exdm/base/text_util.h"

namespace exdm {

StoreRef ExchangeTopology::RefOf(const ExchangeStore& store) const {
  const ExchangeStorageGroup& sg = storage_groups[store.storage_group];
  return StoreRef{servers[sg.server].name, sg.name, store.name};
}

std::string ExchangeTopology::AdminGroupLegacyDn(const ExchangeServer& server) const {
  const ExchangeAdminGroup& ag = admin_groups[server.admin_group];
  if (!ag.legacy_dn.empty()) return ag.legacy_dn;
  const std::string org = org_legacy_dn.empty() ? "/o=" + org_name : org_legacy_dn;
  return org + "/ou=" + ag.name;
}

const DirectoryDomain* ExchangeTopology::DomainOf(const ExchangeServer& server) const {
  if (view.domains.size() == 1) return &view.domains.front();
  const std::string host = ToLowerAscii(server.dns_host);
  const DirectoryDomain* best = nullptr;
  for (const DirectoryDomain& d : view.domains) {
    const std::string root = ToLowerAscii(d.dns_root);
    if (root.empty() || host.size() <= root.size() + 1) continue;
    if (host.compare(host.size() - root.size(), root.size(), root) != 0 ||
        host[host.size() - root.size() - 1] != '.') {
      continue;
    }
    if (!best || root.size() > best->dns_root.size()) best = &d;
  }
  return best;
}

}  // namespace exdm
