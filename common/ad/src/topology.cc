#include "exdm/ad/topology.h"

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

}  // namespace exdm
