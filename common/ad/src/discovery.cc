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

  // Admin groups, servers, MTAs, storage groups and stores in one paged subtree search.
  const Dn admin_groups = t.org_dn.Child("CN", "Administrative Groups");
  std::vector<LdapEntry> entries;
  s = c.Search(admin_groups.ToString(), LdapScope::kSubtree,
               "(|(objectClass=msExchAdminGroup)(objectClass=msExchExchangeServer)"
               "(objectClass=mTA)(objectClass=msExchStorageGroup)(objectClass=msExchPrivateMDB)"
               "(objectClass=msExchPublicMDB))",
               {"objectClass", "legacyExchangeDN", "objectGUID"}, deadline,
               [&](const LdapEntry& e) {
                 entries.push_back(e);
                 return Status::Ok();
               });
  if (!s.ok() && !IsNoSuchObject(s)) return s;
  AddConfigurationObjects(entries, t);
  entries.clear();

  // The SMTP mailboxes: one level under the organization's own CN=Connections.
  s = c.Search(t.ConnectionsDn().ToString(), LdapScope::kOneLevel, "(objectClass=mailGateway)",
               {"homeMDB", "homeMTA", "deliveryMechanism", "legacyExchangeDN"}, deadline,
               [&](const LdapEntry& e) {
                 AddSmtpGateway(e, t);
                 return Status::Ok();
               });
  if (!s.ok() && !IsNoSuchObject(s)) return s;

  // System mailboxes, found by name (their class is not certain).
  if (!t.domain_nc.empty()) {
    const Dn system_objects = t.domain_nc.Child("CN", "Microsoft Exchange System Objects");
    s = c.Search(system_objects.ToString(), LdapScope::kOneLevel, "(cn=SystemMailbox*)", {"cn"},
                 deadline, [&](const LdapEntry& e) {
                   AddSystemMailbox(e, t);
                   return Status::Ok();
                 });
    if (s.ok() || IsNoSuchObject(s)) {
      t.system_mailboxes_known = true;
    } else if (s.code() == ErrorCode::kTimeout || s.code() == ErrorCode::kUnreachable) {
      return s;
    }
    // Other failures (a referral to another domain, no access) leave system mailboxes unknown.
  }
  return t;
}

}  // namespace exdm
