#include "diagnosis_metrics.h"

#include <map>
#include <string>

#include "families.h"

namespace exdm::exporter {

prometheus::MetricFamily DiagnosisFamily(const Diagnosis& diagnosis) {
  auto family = Gauge("exchange_delivery_diagnosis",
                      "1 for each current diagnosis of undelivered local mail, per store (or per "
                      "server with storage_group and store empty); cause is the diagnosis kind "
                      "check_exchange_delivery all names.");
  for (const StoreDiagnosis& d : diagnosis.stores) {
    AddSample(family,
              {{"server", d.store.server},
               {"storage_group", d.store.storage_group},
               {"store", d.store.store.empty() ? d.store_guid : d.store.store},
               {"cause", std::string(DiagnosisKindName(d.kind))}},
              1);
  }
  for (const ServerDiagnosis& d : diagnosis.servers) {
    AddSample(family,
              {{"server", d.server},
               {"storage_group", ""},
               {"store", ""},
               {"cause", std::string(DiagnosisKindName(d.kind))}},
              1);
  }
  return family;
}

prometheus::MetricFamily StoreStalledFamily(const std::vector<StoreRef>& stores,
                                            const std::vector<StoreStall>& stalls) {
  auto family = Gauge("exchange_store_stalled_deliveries",
                      "Stalled local deliveries whose recipient's mailbox (homeMDB, over LDAP) is "
                      "on this store.");
  std::map<StoreRef, uint64_t> value;
  for (const StoreRef& s : stores)
    value[s] = 0;
  for (const StoreStall& s : stalls)
    value[s.store] += s.deliveries;
  for (const auto& [store, n] : value) {
    AddSample(
        family,
        {{"server", store.server}, {"storage_group", store.storage_group}, {"store", store.store}},
        static_cast<double>(n));
  }
  return family;
}

}  // namespace exdm::exporter
