#include "exdm/diagnosis/logon_failure_lookup.h"

#include <algorithm>
#include <optional>

#include "exdm/ad/dn.h"
#include "exdm/ad/ldap_filter.h"
#include "exdm/base/guid.h"
#include "exdm/base/store_ref.h"
#include "exdm/base/text_util.h"

namespace exdm {

std::string GuidFilter(const std::string& guid_text) {
  const auto guid = Guid::Parse(guid_text);
  if (!guid) return "";
  return "(objectGUID=" + EscapeFilterBytes(guid->Bytes()) + ")";
}

std::string LegacyDnFilter(const std::string& legacy_dn) {
  return "(legacyExchangeDN=" + EscapeFilterValue(legacy_dn) + ")";
}

namespace {

const std::vector<std::string> kAttributes = {"objectClass", "homeMDB", "legacyExchangeDN"};

// DNs as AD spells them ("CN=", re-escaped), whatever case the server answered with.
std::string Spelled(const std::string& text) {
  auto dn = Dn::Parse(text);
  return dn ? dn->ToString() : text;
}

// The most specific objectClass (AD lists them from top down to the structural class).
std::string ClassOf(const LdapEntry& e) {
  const auto* classes = e.Values("objectClass");
  return classes && !classes->empty() ? classes->back() : std::string("unknown class");
}

// CN=<Store>,CN=<SG>,CN=InformationStore,CN=<Server>,... -> the store's reference.
std::optional<StoreRef> StoreOfDn(const std::string& text) {
  auto dn = Dn::Parse(text);
  if (!dn || dn->size() < 4) return std::nullopt;
  const auto& r = dn->rdns();
  if (!EqualsIgnoreCase(r[2][0].value, "InformationStore")) return std::nullopt;
  return StoreRef{r[3][0].value, r[1][0].value, r[0][0].value};
}

std::string DescribeGuidOwner(const LdapEntry& e, const UnmatchedLogonFailure& u,
                              const std::vector<std::string>& audited) {
  const bool store = e.HasObjectClass("msExchMDB") || e.HasObjectClass("msExchPrivateMDB") ||
                     e.HasObjectClass("msExchPublicMDB");
  if (!store) {
    return "the GUID is " + Spelled(e.dn) + " (" + ClassOf(e) + "), not a store";
  }
  const auto ref = StoreOfDn(e.dn);
  if (!ref) return "the GUID is the store " + Spelled(e.dn) + ", outside the audit";
  const bool server_audited =
      std::any_of(audited.begin(), audited.end(),
                  [&](const std::string& s) { return EqualsIgnoreCase(s, ref->server); });
  return "the GUID is the store " + ref->Display() +
         (server_audited ? ", not among the audited stores"
                         : ", on a server outside the audit (-s)") +
         (EqualsIgnoreCase(ref->server, u.server) ? "" : "; the event came from " + u.server);
}

std::string DescribeDnHolders(const std::vector<LdapEntry>& holders,
                              const UnmatchedLogonFailure& u) {
  std::string out =
      u.store_guid.empty() ? "the event's DN names no GUID" : "no object has that objectGUID";
  for (const LdapEntry& e : holders) {
    out += "; " + Spelled(e.dn) + " (" + ClassOf(e) + ") has the event's DN as legacyExchangeDN";
    if (e.HasObjectClass("mailGateway")) {
      const std::string* home = e.First("homeMDB");
      out +=
          home ? ", homeMDB " + Spelled(*home) : std::string(", no homeMDB: its store was deleted");
    }
  }
  return out;
}

Result<std::vector<LdapEntry>> Find(LdapConnection& conn, const std::string& base,
                                    const std::string& filter, const Deadline& deadline) {
  std::vector<LdapEntry> found;
  Status s = conn.Search(base, LdapScope::kSubtree, filter, kAttributes, deadline,
                         [&](const LdapEntry& e) {
                           found.push_back(e);
                           return Status::Ok();
                         });
  if (!s.ok()) return s;
  return found;
}

}  // namespace

Status ExplainUnmatchedLogonFailures(const LogonFailureLookup& lookup,
                                     std::vector<UnmatchedLogonFailure>& unmatched,
                                     const Deadline& deadline) {
  if (unmatched.empty()) return Status::Ok();
  auto conn = LdapConnection::Open(lookup.connection, deadline);
  if (!conn) return conn.status();
  Result<std::string> base = lookup.base;
  if (lookup.base.empty())
    base = (*conn)->ReadNamingContext("configurationNamingContext", deadline);
  if (!base) return base.status();
  for (UnmatchedLogonFailure& u : unmatched) {
    if (const std::string filter = GuidFilter(u.store_guid); !filter.empty()) {
      auto owners = Find(**conn, *base, filter, deadline);
      if (!owners) return owners.status();
      if (!owners->empty()) {
        u.found = DescribeGuidOwner(owners->front(), u, lookup.audited_servers);
        continue;
      }
    }
    std::vector<LdapEntry> holders;
    if (!u.gateway_dn.empty()) {
      auto r = Find(**conn, *base, LegacyDnFilter(u.gateway_dn), deadline);
      if (!r) return r.status();
      holders = std::move(*r);
    }
    u.found = holders.empty() ? "GUID names no store in AD (no object has that objectGUID or "
                                "the event's DN as legacyExchangeDN)"
                              : DescribeDnHolders(holders, u);
  }
  return Status::Ok();
}

}  // namespace exdm
