#include "exdm/ad/discovery.h"

#include "exdm/ad/ldap_uri.h"
#include "exdm/ad/topology_entries.h"
#include "exdm/base/text_util.h"

namespace exdm {
namespace {

constexpr const char kSystemObjects[] = "Microsoft Exchange System Objects";
constexpr const char kSystemMailboxFilter[] = "(cn=SystemMailbox*)";

Result<Dn> NamingContext(const LdapEntry& root, const char* attribute) {
  const std::string* value = root.First(attribute);
  if (value == nullptr) return Status(ErrorCode::kLdapError, "");
  return Dn::Parse(*value);
}

bool IsNoSuchObject(const Status& s) {
  return !s.ok() && s.code() == ErrorCode::kLdapError &&
         s.message().find("No such object") != std::string::npos;
}

bool IsFatal(const Status& s) {
  return s.code() == ErrorCode::kTimeout || s.code() == ErrorCode::kUnreachable;
}

// "DC=child,DC=contoso,DC=com" -> "child.contoso.com" (the DNS name AD gives a domain).
std::string DnsNameOf(const Dn& nc) {
  std::string out;
  for (const Rdn& rdn : nc.rdns()) {
    if (rdn.empty() || !EqualsIgnoreCase(rdn.front().type, "DC")) return "";
    out += (out.empty() ? "" : ".") + rdn.front().value;
  }
  return out;
}

bool GlobalCatalogView(const std::string& uri, const Result<LdapEntry>& root) {
  if (IsGlobalCatalogPort(uri)) return true;
  if (IsDomainControllerPort(uri) || !root.ok()) return false;
  const std::string* ready = root->First("isGlobalCatalogReady");
  return ready != nullptr && EqualsIgnoreCase(TrimAscii(*ready), "TRUE");
}

// The forest's domains from CN=Partitions; a forest that names none (or a configuration that
// cannot be read there) is the default naming context alone.
Status ReadDomains(LdapConnection& c, ExchangeTopology& t, const Deadline& deadline) {
  Status s = c.Search(t.config_nc.Child("CN", "Partitions").ToString(), LdapScope::kOneLevel,
                      "(objectClass=crossRef)", {"nCName", "dnsRoot", "systemFlags"}, deadline,
                      [&](const LdapEntry& e) {
                        AddDomain(e, t);
                        return Status::Ok();
                      });
  if (!s.ok() && IsFatal(s)) return s;
  if (t.view.domains.empty() && !t.domain_nc.empty()) {
    DirectoryDomain d;
    d.nc = t.domain_nc;
    d.dns_root = DnsNameOf(t.domain_nc);
    d.why_not = "not searched";
    t.view.domains.push_back(std::move(d));
  }
  return Status::Ok();
}

Status SearchSystemMailboxes(LdapConnection& c, ExchangeTopology& t, const Deadline& deadline) {
  auto add = [&](const LdapEntry& e) {
    AddSystemMailbox(e, t);
    return Status::Ok();
  };
  if (t.view.global_catalog) {
    // A global catalog holds every domain: one search from the empty base.
    LdapReferrals referrals;
    Status s =
        c.Search("", LdapScope::kSubtree, kSystemMailboxFilter, {"cn"}, deadline, add, &referrals);
    if (s.ok() && !referrals.referred()) {
      for (DirectoryDomain& d : t.view.domains) {
        d.readable = true;
        d.why_not.clear();
      }
      t.system_mailboxes_known = !t.view.domains.empty();
      return Status::Ok();
    }
    if (IsFatal(s)) return s;
    t.view.global_catalog = false;  // it did not answer as one: ask domain by domain
  }
  for (DirectoryDomain& d : t.view.domains) {
    LdapReferrals referrals;
    Status s = c.Search(d.nc.Child("CN", kSystemObjects).ToString(), LdapScope::kOneLevel,
                        kSystemMailboxFilter, {"cn"}, deadline, add, &referrals);
    if (IsFatal(s)) return s;
    if (s.ok() && referrals.referred()) {
      d.why_not = "the server refers it to " + referrals.referral.front();
    } else if (s.ok() || IsNoSuchObject(s)) {  // no such container: the domain has none
      d.readable = true;
      d.why_not.clear();
      t.system_mailboxes_known = true;
    } else {
      d.why_not = s.message();  // e.g. no access
    }
  }
  return Status::Ok();
}

// A system mailbox the name search missed may still exist elsewhere: where the view holds every
// object that could link to the store, its homeMDBBL back links name it.
Status SearchBackLinks(LdapConnection& c, ExchangeTopology& t, const DiscoveryOptions& options,
                       const Deadline& deadline) {
  const bool complete =
      t.view.global_catalog || (t.view.domains.size() == 1 && t.view.domains.front().readable);
  if (!complete) return Status::Ok();
  for (const ExchangeStore& store : t.stores) {
    if (store.type != StoreType::kMailbox || t.IsRecovery(store) ||
        t.system_mailboxes.count(store.guid)) {
      continue;
    }
    auto links =
        c.ReadAllValues(store.dn.ToString(), "homeMDBBL", deadline, options.back_link_window);
    if (!links.ok()) {
      if (IsFatal(links.status())) return links.status();
      continue;  // no back links to read here: the name search decides
    }
    const std::string wanted = FoldDirectoryString("SystemMailbox" + store.guid.ToBracedUpper());
    for (const std::string& link : *links) {
      auto dn = Dn::Parse(link);
      if (dn.ok() && FoldDirectoryString(dn->LeafValue()) == wanted) {
        t.system_mailboxes.insert(store.guid);
        break;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ExchangeTopology> DiscoverTopology(LdapConnection& c, const DiscoveryOptions& options,
                                          const Deadline& deadline) {
  ExchangeTopology t;
  auto root = c.ReadRootDse({"configurationNamingContext", "defaultNamingContext",
                             "rootDomainNamingContext", "isGlobalCatalogReady"},
                            deadline);
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
  t.view.config_nc = t.config_nc.ToString();
  t.view.global_catalog = GlobalCatalogView(c.uri(), root);
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

  // The large reads side by side, each on a connection and thread of its own, so the directory
  // serves them at once and their entries are parsed on all cores: admin groups, servers, MTAs,
  // storage groups and stores in one subtree; the SMTP mailboxes one level under the
  // organization's own CN=Connections; the forest's domains, then the system mailboxes in every
  // domain this server can read (found by name: their class is not certain). Each task fills its
  // own part: the first two their own containers, the third the view and the system mailboxes.
  const Dn admin_groups = t.org_dn.Child("CN", "Administrative Groups");
  ConfigurationObjects configuration;
  ExchangeTopology gateways;
  std::vector<LdapConnection::Task> tasks;
  tasks.push_back([&](LdapConnection& own) {
    return own.Search(admin_groups.ToString(), LdapScope::kSubtree,
                      "(|(objectClass=msExchAdminGroup)(objectClass=msExchExchangeServer)"
                      "(objectClass=mTA)(objectClass=msExchStorageGroup)"
                      "(objectClass=msExchPrivateMDB)(objectClass=msExchPublicMDB))",
                      {"objectClass", "legacyExchangeDN", "objectGUID", "networkAddress",
                       "messageTrackingEnabled", "msExchRestore", "msExchOrigMDB"},
                      deadline, [&configuration](const LdapEntry& e) {
                        configuration.Add(e);
                        return Status::Ok();
                      });
  });
  tasks.push_back([&](LdapConnection& own) {
    return own.Search(t.ConnectionsDn().ToString(), LdapScope::kOneLevel,
                      "(objectClass=mailGateway)",
                      {"homeMDB", "homeMTA", "deliveryMechanism", "legacyExchangeDN"}, deadline,
                      [&gateways](const LdapEntry& e) {
                        AddSmtpGateway(e, gateways);
                        return Status::Ok();
                      });
  });
  tasks.push_back([&](LdapConnection& own) {
    if (Status d = ReadDomains(own, t, deadline); !d.ok()) return d;
    return SearchSystemMailboxes(own, t, deadline);
  });
  const std::vector<Status> done = c.InParallel(tasks, deadline);
  for (size_t i = 0; i < 2; ++i) {
    if (!done[i].ok() && !IsNoSuchObject(done[i])) return done[i];
  }
  if (!done[2].ok()) return done[2];
  configuration.AddTo(t, options.recovery_group_name);
  t.gateways = std::move(gateways.gateways);

  if (Status b = SearchBackLinks(c, t, options, deadline); !b.ok()) return b;
  return t;
}

}  // namespace exdm
