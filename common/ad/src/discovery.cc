#include "exdm/ad/discovery.h"

#include "exdm/ad/topology_entries.h"
#include "exdm/base/text_util.h"

namespace exdm {
namespace {

Result<Dn> NamingContext(const LdapEntry& root, const char* attribute) {
  const std::string* value = root.First(attribute);
  if (value == nullptr) return Status(ErrorCode::kLdapError, "");
  return Dn::Parse(*value);
}

bool IsNoSuchObject(const Status& s) {
  return !s.ok() && s.code() == ErrorCode::kLdapError &&
         s.message().find("No such object") != std::string::npos;
}

}  // namespace

Result<ExchangeTopology> DiscoverTopology(LdapConnection& c, const DiscoveryOptions& options,
                                          const Deadline& deadline) {
  ExchangeTopology t;
  auto root = c.ReadRootDse(
      {"configurationNamingContext", "defaultNamingContext", "rootDomainNamingContext"}, deadline);
  if (!root.ok() && root.status().code() == ErrorCode::kTimeout) return root.status();
  if (!options.base.empty()) {
    auto base = Dn::Parse(options.base);
    if (!base.ok()) return base.status();
    t.config_nc = *base;
  } else {
    if (!root.ok()) return root.status();
    auto config = NamingContext(*root, "configurationNamingContext");
    if (!config.ok()) {
      return Status(ErrorCode::kLdapError,
                    c.uri() + ": the root DSE names no configurationNamingContext; give -b");
    }
    t.config_nc = *config;
  }
  if (root.ok()) {
    for (const char* attribute : {"defaultNamingContext", "rootDomainNamingContext"}) {
      if (auto dn = NamingContext(*root, attribute); dn.ok() && !dn->empty()) {
        t.domain_nc = *dn;
        break;
      }
    }
  }
  if (t.domain_nc.empty() && t.config_nc.size() > 1 &&
      EqualsIgnoreCase(t.config_nc.LeafValue(), "Configuration")) {
    t.domain_nc = t.config_nc.Parent();  // CN=Configuration,<forest root domain>
  }

  // The organization.
  const Dn exchange = t.config_nc.Child("CN", "Services").Child("CN", "Microsoft Exchange");
  std::vector<LdapEntry> orgs;
  Status s = c.Search(exchange.ToString(), LdapScope::kOneLevel,
                      "(objectClass=msExchOrganizationContainer)", {"cn", "legacyExchangeDN"},
                      deadline, [&](const LdapEntry& e) {
                        orgs.push_back(e);
                        return Status::Ok();
                      });
  if (!s.ok()) return s;
  if (Status added = AddOrganization(orgs, c.uri(), t); !added.ok()) return added;

  // The three large reads side by side, each on its own connection and thread (admin groups,
  // servers, MTAs, storage groups and stores in one subtree; the SMTP mailboxes one level under
  // the organization's own CN=Connections; the system mailboxes, found by name as their class is
  // not certain): the directory serves them at once and their entries are parsed on all cores.
  // Each handler fills its own part, merged below.
  const Dn admin_groups = t.org_dn.Child("CN", "Administrative Groups");
  ConfigurationObjects configuration;
  ExchangeTopology gateways, system_mailboxes;
  std::vector<LdapSearchRequest> searches;
  searches.push_back({admin_groups.ToString(),
                      LdapScope::kSubtree,
                      "(|(objectClass=msExchAdminGroup)(objectClass=msExchExchangeServer)"
                      "(objectClass=mTA)(objectClass=msExchStorageGroup)"
                      "(objectClass=msExchPrivateMDB)(objectClass=msExchPublicMDB))",
                      {"objectClass", "legacyExchangeDN", "objectGUID"},
                      [&configuration](const LdapEntry& e) {
                        configuration.Add(e);
                        return Status::Ok();
                      }});
  searches.push_back({t.ConnectionsDn().ToString(),
                      LdapScope::kOneLevel,
                      "(objectClass=mailGateway)",
                      {"homeMDB", "homeMTA", "deliveryMechanism", "legacyExchangeDN"},
                      [&gateways](const LdapEntry& e) {
                        AddSmtpGateway(e, gateways);
                        return Status::Ok();
                      }});
  if (!t.domain_nc.empty()) {
    const Dn system_objects = t.domain_nc.Child("CN", "Microsoft Exchange System Objects");
    searches.push_back({system_objects.ToString(),
                        LdapScope::kOneLevel,
                        "(cn=SystemMailbox*)",
                        {"cn"},
                        [&system_mailboxes](const LdapEntry& e) {
                          AddSystemMailbox(e, system_mailboxes);
                          return Status::Ok();
                        }});
  }
  const std::vector<Status> done = c.SearchInParallel(searches, deadline);
  for (size_t i = 0; i < 2; ++i) {
    if (!done[i].ok() && !IsNoSuchObject(done[i])) return done[i];
  }
  configuration.AddTo(t);
  t.gateways = std::move(gateways.gateways);
  t.system_mailboxes = std::move(system_mailboxes.system_mailboxes);
  if (done.size() > 2) {
    const Status& system = done[2];
    if (system.ok() || IsNoSuchObject(system)) {
      t.system_mailboxes_known = true;
    } else if (system.code() == ErrorCode::kTimeout || system.code() == ErrorCode::kUnreachable) {
      return system;
    }
    // Other failures (a referral to another domain, no access) leave system mailboxes unknown.
  }
  return t;
}

}  // namespace exdm
