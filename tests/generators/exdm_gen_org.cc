// exdm_gen_org: an Exchange 2000/2003 organization as Active Directory LDIF, plus a manifest of
// every store and every planted fault, for the slapd fixture (tests/fixtures/slapd).
//
//   exdm_gen_org DESCRIPTION.json [-o org.ldif] [--manifest m.json] [--seed N]
//   exdm_gen_org --servers N --stores-per-server M [--users-per-store U] [--fault KIND=COUNT]...
//                [--domain contoso.com] [--organization NAME] [-o ...] [--manifest ...] [--seed N]
//
// The description format, fault kinds and manifest are documented in --help and in
// tests/fixtures/orgs/README.md. Output is deterministic: the same input and seed give the same
// bytes; an object's objectGUID depends only on the seed and its DN.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/base64.h"
#include "org_guid.h"

namespace exdm::gen {
namespace {

using exdm::Base64Encode;

using Json = nlohmann::ordered_json;

constexpr const char* kUsage = R"USAGE(usage:
  exdm_gen_org DESCRIPTION.json [-o FILE] [--manifest FILE] [--summary FILE|-] [--seed N]
               [--partition-dir DIR]
  exdm_gen_org --servers N --stores-per-server M [--users-per-store U] [--public-every K]
               [--fault KIND=COUNT]... [--domain DNS] [--organization NAME]
               [-o FILE] [--manifest FILE] [--seed N]

Writes an Exchange organization as Active Directory LDIF (default: stdout), parents before
children, for a directory prepared by tests/fixtures/slapd/slapd-fixture.sh (which already holds
the domain, CN=Users, CN=Configuration and CN=Services). The manifest (JSON) lists every store and
every planted fault with the finding a correct audit reports. The summary is one tab-separated
line per store (server, storage group, store, type, guid, expected findings, users' mail).

Description (JSON):
  {"organization": "Contoso", "domain": "contoso.com", "mail_domain": "contoso.com",
   "domains": ["child.contoso.com"],
   "admin_groups": [{"name": "First Administrative Group",
     "routing_groups": [{"name": "First Routing Group",
       "smtp_connectors": [{"name": "Internet", "smart_host": "relay.example",
                            "bridgeheads": ["EXCH01"]}]}],
     "servers": [{"name": "EXCH01", "faults": ["mta_missing"], "domain": "child.contoso.com",
                  "message_tracking": false,
       "storage_groups": [{"name": "First Storage Group",
         "stores": [{"name": "Mailbox Store (EXCH01)", "type": "mailbox", "users": 3,
                     "users_domain": "contoso.com", "faults": ["missing"]}]},
                          {"name": "Recovery Storage Group", "recovery": "restore",
         "stores": [{"name": "Mailbox Store (EXCH01)"}]}]}]}],
   "orphan_gateways": [{"server": "EXCH01", "count": 1}],
   "public_folders": [{"name": "Announcements", "mail": "announce@contoso.com",
                       "domain": "child.contoso.com"}]}
"users" is a count or a list of {"name", "mail", "proxy_addresses": [...]}.
"domains" makes a forest: crossRef objects under CN=Partitions for "domain" and each of them;
a server's "domain" holds its system mailboxes (and its users unless the store names a
"users_domain"). --partition-dir DIR also writes DIR/config.ldif and DIR/<domain>.ldif, one file
per naming context, for a global catalog and the domain controllers of each domain.
A storage group's "recovery" makes it a Recovery Storage Group (no SMTP mailbox, no system
mailbox, listed under "recovery_stores"): "restore" (msExchRestore TRUE), "orig_mdb"
(msExchOrigMDB on its stores) or "name" (nothing but its name). "message_tracking" writes
messageTrackingEnabled. A store's "mail" makes the store object a recipient (public stores).

Store faults (each becomes a manifest fault with its expected finding):
  missing                  no SMTP mailbox                                       -> missing
  duplicate                a second one, named SMTP (X{GUID}) (no hyphen)        -> duplicate
  duplicate_cnf            a second one, named SMTP (X-{GUID})\0ACNF:<guid>     -> duplicate
  wrong_home_mdb           homeMDB names another store                           -> wrong_home_mdb
  no_home_mdb              the store was deleted; its gateway has no homeMDB     -> orphan
  wrong_home_mta           homeMTA names another server's MTA                    -> wrong_home_mta
  deleted_home_mta         homeMTA is a \0ADEL: tombstone DN (MTA re-created)    -> wrong_home_mta
  wrong_delivery_mechanism deliveryMechanism 0 instead of 2                      -> wrong_delivery_mechanism
  wrong_legacy_dn          legacyExchangeDN names another GUID                   -> wrong_legacy_dn
  wrong_name               cn SMTP (X) instead of SMTP (X-{GUID})                -> wrong_name
  system_mailbox_missing   no SystemMailbox{GUID} (mailbox stores)               -> system_mailbox_missing
  mta_missing              the server has no CN=Microsoft MTA (also a server fault) -> mta_missing per store
  kb_name_without_hyphen   legal name variant SMTP (X{GUID}): NOT a fault, listed under "variants"
Scale mode plants --fault KIND=COUNT on stores picked by the seed.
)USAGE";

// ------------------------------------------------------------------------------ LDIF writing

// RFC 4514 escaping of one RDN value.
std::string EscapeRdnValue(std::string_view v) {
  std::string out;
  out.reserve(v.size() + 8);
  for (size_t i = 0; i < v.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                         c == ';' || c == '=';
    const bool edge_space = c == ' ' && (i == 0 || i + 1 == v.size());
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789ABCDEF";
      out += '\\';
      out += hex[c >> 4];
      out += hex[c & 0x0f];
    } else if (special || edge_space || (i == 0 && c == '#')) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Rdn(std::string_view type, std::string_view value) {
  return std::string(type) + "=" + EscapeRdnValue(value);
}

// RFC 2849 SAFE-STRING: printable ASCII, not starting with space, ':' or '<', no trailing space.
bool IsSafeString(std::string_view v) {
  if (v.empty()) return true;
  if (v.front() == ' ' || v.front() == ':' || v.front() == '<' || v.back() == ' ') return false;
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0 || c == '\n' || c == '\r' || c >= 0x80) return false;
  }
  return true;
}

class LdifWriter {
 public:
  void Attr(std::string_view name, std::string_view value) {
    out_ += name;
    if (IsSafeString(value)) {
      out_ += ": ";
      out_ += value;
    } else {
      out_ += ":: ";
      out_ += Base64Encode(value);
    }
    out_ += '\n';
  }
  void Binary(std::string_view name, std::string_view bytes) {
    out_ += name;
    out_ += ":: ";
    out_ += Base64Encode(bytes);
    out_ += '\n';
  }
  void Begin(std::string_view dn) { Attr("dn", dn); }
  void End() { out_ += '\n'; }
  std::string& text() { return out_; }

 private:
  std::string out_;
};

// ------------------------------------------------------------------------------ the model

enum class StoreType { kMailbox, kPublic };

struct User {
  std::string cn;
  std::string alias;
  std::string mail;
  std::vector<std::string> proxy_addresses;
};

struct Store {
  std::string name;
  StoreType type = StoreType::kMailbox;
  std::set<std::string> faults;
  std::vector<User> users;
  std::string users_domain;  // DNS name; empty: the server's domain
  std::string mail;          // the store object's own address (public stores are recipients)
  // Derived.
  std::string dn;
  std::string system_domain_dn;  // where its SystemMailbox{GUID} lives: its server's domain
  std::string users_domain_dn;
  exdm::Guid guid{};
  std::string legacy_dn;
};

struct StorageGroup {
  std::string name;
  std::vector<Store> stores;
  std::string dn;
  // A Recovery Storage Group and how AD marks it: "restore" (msExchRestore TRUE), "orig_mdb"
  // (msExchOrigMDB on its stores) or "name" (nothing but its name); empty: an ordinary one.
  std::string recovery;
};

struct Server {
  std::string name;
  bool mta_missing = false;
  std::string domain;                    // DNS name of its domain; empty: the forest root
  std::optional<bool> message_tracking;  // messageTrackingEnabled; unset: not written
  std::vector<StorageGroup> storage_groups;
  std::string dn;
  std::string mta_dn;
  std::string legacy_dn;
};

struct Connector {
  std::string name;
  std::string smart_host;
  std::vector<std::string> bridgeheads;
};

struct RoutingGroup {
  std::string name;
  std::vector<Connector> connectors;
};

struct AdminGroup {
  std::string name;
  std::vector<RoutingGroup> routing_groups;
  std::vector<Server> servers;
  std::string dn;
  std::string legacy_dn;
};

struct Orphan {
  std::string server;
  int count = 1;
};

struct PublicFolder {
  std::string name;
  std::string mail;
  std::string domain;  // DNS name; empty: the forest root
};

struct Org {
  std::string name = "Contoso";
  std::string dns_domain = "contoso.com";
  std::string mail_domain;
  // More domains of the forest (DNS names): their crossRefs are written under CN=Partitions.
  std::vector<std::string> child_domains;
  std::vector<AdminGroup> admin_groups;
  std::vector<Orphan> orphans;
  std::vector<PublicFolder> public_folders;
};

const std::set<std::string>& StoreFaultNames() {
  static const std::set<std::string> names = {"missing",
                                              "duplicate",
                                              "duplicate_cnf",
                                              "wrong_home_mdb",
                                              "no_home_mdb",
                                              "wrong_home_mta",
                                              "deleted_home_mta",
                                              "wrong_delivery_mechanism",
                                              "wrong_legacy_dn",
                                              "wrong_name",
                                              "system_mailbox_missing",
                                              "mta_missing",
                                              "kb_name_without_hyphen"};
  return names;
}

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "exdm_gen_org: " << message << "\n";
  std::exit(2);
}

// ------------------------------------------------------------------------------ description

void CheckKeys(const Json& object, const std::set<std::string>& allowed, const std::string& where) {
  if (!object.is_object()) Fail(where + ": expected an object");
  for (const auto& item : object.items()) {
    if (allowed.count(item.key()) == 0) Fail(where + ": unknown key \"" + item.key() + "\"");
  }
}

std::string RequiredString(const Json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
    Fail(where + ": \"" + key + "\" must be a non-empty string");
  }
  return it->get<std::string>();
}

Org ParseDescription(const Json& j) {
  Org org;
  CheckKeys(j,
            {"organization", "domain", "mail_domain", "domains", "admin_groups", "orphan_gateways",
             "public_folders", "comment"},
            "description");
  org.name = RequiredString(j, "organization", "description");
  org.dns_domain = RequiredString(j, "domain", "description");
  org.mail_domain = j.value("mail_domain", org.dns_domain);
  org.child_domains = j.value("domains", std::vector<std::string>());
  auto known_domain = [&org](const std::string& dns, const std::string& where) {
    if (dns.empty() || dns == org.dns_domain) return;
    for (const std::string& d : org.child_domains)
      if (d == dns) return;
    Fail(where + ": domain " + dns + " is not the forest's \"domain\" or in \"domains\"");
  };
  for (const auto& jp : j.value("public_folders", Json::array())) {
    CheckKeys(jp, {"name", "mail", "domain"}, "public folder");
    PublicFolder pf{RequiredString(jp, "name", "public folder"),
                    RequiredString(jp, "mail", "public folder"), jp.value("domain", std::string())};
    known_domain(pf.domain, "public folder " + pf.name);
    org.public_folders.push_back(std::move(pf));
  }
  int user_counter = 0;
  for (const auto& jag : j.value("admin_groups", Json::array())) {
    CheckKeys(jag, {"name", "servers", "routing_groups", "comment"}, "admin group");
    AdminGroup ag;
    ag.name = RequiredString(jag, "name", "admin group");
    for (const auto& jrg : jag.value("routing_groups", Json::array())) {
      CheckKeys(jrg, {"name", "smtp_connectors"}, "routing group");
      RoutingGroup rg;
      rg.name = RequiredString(jrg, "name", "routing group");
      for (const auto& jc : jrg.value("smtp_connectors", Json::array())) {
        CheckKeys(jc, {"name", "smart_host", "bridgeheads"}, "connector");
        rg.connectors.push_back({RequiredString(jc, "name", "connector"),
                                 jc.value("smart_host", std::string()),
                                 jc.value("bridgeheads", std::vector<std::string>())});
      }
      ag.routing_groups.push_back(std::move(rg));
    }
    for (const auto& js : jag.value("servers", Json::array())) {
      CheckKeys(js, {"name", "faults", "storage_groups", "domain", "message_tracking", "comment"},
                "server");
      Server server;
      server.name = RequiredString(js, "name", "server");
      server.domain = js.value("domain", std::string());
      known_domain(server.domain, "server " + server.name);
      if (js.contains("message_tracking")) {
        if (!js["message_tracking"].is_boolean())
          Fail("server " + server.name + ": message_tracking must be true or false");
        server.message_tracking = js["message_tracking"].get<bool>();
      }
      for (const auto& f : js.value("faults", std::vector<std::string>())) {
        if (f != "mta_missing") Fail("server " + server.name + ": unknown server fault " + f);
        server.mta_missing = true;
      }
      for (const auto& jsg : js.value("storage_groups", Json::array())) {
        CheckKeys(jsg, {"name", "stores", "recovery"}, "storage group");
        StorageGroup sg;
        sg.name = RequiredString(jsg, "name", "storage group");
        sg.recovery = jsg.value("recovery", std::string());
        if (!sg.recovery.empty() && sg.recovery != "restore" && sg.recovery != "orig_mdb" &&
            sg.recovery != "name") {
          Fail("storage group " + sg.name + ": recovery must be restore, orig_mdb or name");
        }
        for (const auto& jst : jsg.value("stores", Json::array())) {
          CheckKeys(jst, {"name", "type", "users", "faults", "users_domain", "mail", "comment"},
                    "store");
          Store store;
          store.name = RequiredString(jst, "name", "store");
          store.users_domain = jst.value("users_domain", std::string());
          known_domain(store.users_domain, "store " + store.name);
          store.mail = jst.value("mail", std::string());
          if (!sg.recovery.empty() && jst.contains("faults")) {
            Fail("store " + store.name + ": a recovery storage group's stores take no faults");
          }
          const std::string type = jst.value("type", std::string("mailbox"));
          if (type == "mailbox") {
            store.type = StoreType::kMailbox;
          } else if (type == "public") {
            store.type = StoreType::kPublic;
          } else {
            Fail("store " + store.name + ": type must be mailbox or public");
          }
          for (const auto& f : jst.value("faults", std::vector<std::string>())) {
            if (StoreFaultNames().count(f) == 0)
              Fail("store " + store.name + ": unknown fault " + f);
            if (f == "mta_missing") {
              server.mta_missing = true;  // an MTA belongs to the server, not to one store
            } else {
              store.faults.insert(f);
            }
          }
          const auto users = jst.value("users", Json(0));
          if (users.is_number_integer() && users.get<int>() >= 0) {
            for (int n = users.get<int>(); n > 0; --n) {
              ++user_counter;
              char alias[32];
              std::snprintf(alias, sizeof alias, "user%05d", user_counter);
              store.users.push_back({std::string("User ") + (alias + 4),
                                     alias,
                                     std::string(alias) + "@" + org.mail_domain,
                                     {}});
            }
          } else if (users.is_array()) {
            for (const auto& ju : users) {
              CheckKeys(ju, {"name", "mail", "proxy_addresses"}, "user");
              User u;
              u.cn = RequiredString(ju, "name", "user");
              u.mail = RequiredString(ju, "mail", "user");
              u.alias = u.mail.substr(0, u.mail.find('@'));
              u.proxy_addresses = ju.value("proxy_addresses", std::vector<std::string>());
              store.users.push_back(std::move(u));
            }
          } else {
            Fail("store " + store.name + ": users must be a count or a list");
          }
          sg.stores.push_back(std::move(store));
        }
        server.storage_groups.push_back(std::move(sg));
      }
      ag.servers.push_back(std::move(server));
    }
    org.admin_groups.push_back(std::move(ag));
  }
  for (const auto& jo : j.value("orphan_gateways", Json::array())) {
    CheckKeys(jo, {"server", "count"}, "orphan_gateways");
    org.orphans.push_back({RequiredString(jo, "server", "orphan_gateways"), jo.value("count", 1)});
  }
  return org;
}

struct ScaleOptions {
  int servers = 0;
  int stores_per_server = 0;
  int users_per_store = 1;
  int public_every = 10;  // every K-th store of a server is a public store (0: none)
  std::vector<std::pair<std::string, int>> faults;
};

// A big organization: servers spread over admin groups of 100, up to 5 stores per storage group
// (Exchange 2003 Enterprise: 4 x 5 per server; scale mode does not enforce the limit).
Org ScaleOrganization(Org org, const ScaleOptions& o, uint64_t seed) {
  int user_counter = 0;
  for (int s = 0; s < o.servers; ++s) {
    if (s % 100 == 0) {
      AdminGroup ag;
      ag.name = s == 0 ? "First Administrative Group"
                       : "Administrative Group " + std::to_string(s / 100 + 1);
      RoutingGroup rg{
          s == 0 ? "First Routing Group" : "Routing Group " + std::to_string(s / 100 + 1), {}};
      char first[16];
      std::snprintf(first, sizeof first, "EX%05d", s + 1);
      rg.connectors.push_back({"Internet Mail", "relay." + org.dns_domain, {first}});
      ag.routing_groups.push_back(std::move(rg));
      org.admin_groups.push_back(std::move(ag));
    }
    Server server;
    char name[16];
    std::snprintf(name, sizeof name, "EX%05d", s + 1);
    server.name = name;
    for (int k = 0; k < o.stores_per_server; ++k) {
      if (k % 5 == 0) {
        const int n = k / 5 + 1;
        server.storage_groups.push_back(
            {n == 1 ? "First Storage Group" : "Storage Group " + std::to_string(n), {}, "", ""});
      }
      Store store;
      const bool is_public = o.public_every > 0 && k % o.public_every == o.public_every - 1;
      store.type = is_public ? StoreType::kPublic : StoreType::kMailbox;
      store.name = (is_public ? "Public Folder Store " : "Mailbox Store ") + std::to_string(k + 1) +
                   " (" + server.name + ")";
      if (!is_public) {
        for (int u = 0; u < o.users_per_store; ++u) {
          ++user_counter;
          char alias[32];
          std::snprintf(alias, sizeof alias, "user%07d", user_counter);
          store.users.push_back({std::string("User ") + (alias + 4),
                                 alias,
                                 std::string(alias) + "@" + org.mail_domain,
                                 {}});
        }
      }
      server.storage_groups.back().stores.push_back(std::move(store));
    }
    org.admin_groups.back().servers.push_back(std::move(server));
  }
  // Plant faults on distinct stores chosen by the seed (mailbox stores for system mailboxes).
  std::vector<Store*> all;
  for (auto& ag : org.admin_groups)
    for (auto& server : ag.servers)
      for (auto& sg : server.storage_groups)
        for (auto& store : sg.stores)
          all.push_back(&store);
  uint64_t state = SplitMix64(seed ^ 0xfa017ULL);
  std::set<size_t> used;
  for (const auto& [kind, count] : o.faults) {
    for (int i = 0; i < count; ++i) {
      if (used.size() >= all.size()) Fail("more faults than stores");
      for (int tries = 0;; ++tries) {
        state = SplitMix64(state);
        const size_t pick = static_cast<size_t>(state % all.size());
        if (used.count(pick) != 0) continue;
        if (kind == "system_mailbox_missing" && all[pick]->type != StoreType::kMailbox &&
            tries < 1000)
          continue;
        used.insert(pick);
        all[pick]->faults.insert(kind);
        break;
      }
    }
  }
  return org;
}

// ------------------------------------------------------------------------------ generation

std::string DomainDn(const std::string& dns) {
  std::string dn;
  std::stringstream in(dns);
  for (std::string label; std::getline(in, label, '.');) {
    if (label.empty()) Fail("bad domain: " + dns);
    if (!dn.empty()) dn += ",";
    dn += Rdn("DC", label);
  }
  return dn;
}

// "DC=child,DC=contoso,DC=com" (as DomainDn writes it) -> "child.contoso.com".
std::string DnsOf(const std::string& domain_dn) {
  std::string dns;
  std::stringstream in(domain_dn);
  for (std::string rdn; std::getline(in, rdn, ',');)
    dns += (dns.empty() ? "" : ".") + rdn.substr(rdn.find('=') + 1);
  return dns;
}

struct Gateway {
  std::string dn;
  std::string cn;
  std::optional<std::string> home_mdb;
  std::optional<std::string> home_mta;
  std::optional<std::string> delivery_mechanism;
  std::optional<std::string> legacy_dn;
  exdm::Guid guid{};
};

class Generator {
 public:
  Generator(Org org, uint64_t seed) : org_(std::move(org)), seed_(seed) {}

  void Run() {
    Derive();
    BuildGateways();
    Emit();
  }
  // Configuration naming context first, then each domain's entries.
  std::string ldif() {
    std::string out = w_.text();
    for (const std::string& d : domain_order_)
      out += domain_writers_.at(d).text();
    return out;
  }
  // The same, one file per naming context: "config", then each domain's DNS name.
  std::vector<std::pair<std::string, std::string>> partitions() {
    std::vector<std::pair<std::string, std::string>> out = {{"config", w_.text()}};
    for (const std::string& d : domain_order_) {
      out.emplace_back(DnsOf(d), domain_writers_.at(d).text());
    }
    return out;
  }
  const Json& manifest() const { return manifest_; }

 private:
  exdm::Guid NewGuid(const std::string& dn) const { return DeterministicGuid(seed_, dn); }

  std::string DomainDnOf(const std::string& dns) const {
    return dns.empty() ? domain_dn_ : DomainDn(dns);
  }

  // The writer of a domain naming context's entries; its CN=Microsoft Exchange System Objects
  // comes first.
  LdifWriter& DomainWriter(const std::string& domain_dn) {
    auto [it, inserted] = domain_writers_.try_emplace(domain_dn);
    if (inserted) {
      domain_order_.push_back(domain_dn);
      const std::string dn = "CN=Microsoft Exchange System Objects," + domain_dn;
      LdifWriter& w = it->second;
      w.Begin(dn);
      w.Attr("objectClass", "top");
      w.Attr("objectClass", "container");
      w.Attr("objectClass", "msExchSystemObjectsContainer");
      w.Attr("cn", "Microsoft Exchange System Objects");
      w.Binary("objectGUID", NewGuid(dn).Bytes());
      w.Attr("showInAdvancedViewOnly", "TRUE");
      w.End();
    }
    return it->second;
  }

  void Derive() {
    domain_dn_ = DomainDn(org_.dns_domain);
    config_dn_ = "CN=Configuration," + domain_dn_;
    exchange_dn_ = "CN=Microsoft Exchange,CN=Services," + config_dn_;
    org_dn_ = Rdn("CN", org_.name) + "," + exchange_dn_;
    connections_dn_ = "CN=Connections," + org_dn_;
    org_legacy_ = "/o=" + org_.name;
    for (auto& ag : org_.admin_groups) {
      ag.dn = Rdn("CN", ag.name) + ",CN=Administrative Groups," + org_dn_;
      ag.legacy_dn = org_legacy_ + "/ou=" + ag.name;
      for (auto& server : ag.servers) {
        if (servers_.count(server.name) != 0) Fail("duplicate server name " + server.name);
        server.dn = Rdn("CN", server.name) + ",CN=Servers," + ag.dn;
        server.mta_dn = "CN=Microsoft MTA," + server.dn;
        server.legacy_dn = ag.legacy_dn + "/cn=Configuration/cn=Servers/cn=" + server.name;
        servers_[server.name] = {&ag, &server};
        int private_count = 0, public_count = 0;
        const std::string server_domain = DomainDnOf(server.domain);
        for (auto& sg : server.storage_groups) {
          sg.dn = Rdn("CN", sg.name) + ",CN=InformationStore," + server.dn;
          for (auto& store : sg.stores) {
            store.system_domain_dn = server_domain;
            store.users_domain_dn =
                store.users_domain.empty() ? server_domain : DomainDnOf(store.users_domain);
            if (store.faults.erase("mta_missing") != 0) server.mta_missing = true;
            static const char* const kGatewayFaults[] = {"duplicate",
                                                         "duplicate_cnf",
                                                         "wrong_home_mdb",
                                                         "no_home_mdb",
                                                         "wrong_home_mta",
                                                         "deleted_home_mta",
                                                         "wrong_delivery_mechanism",
                                                         "wrong_legacy_dn",
                                                         "wrong_name",
                                                         "kb_name_without_hyphen"};
            for (const char* f : kGatewayFaults) {
              if (store.faults.count("missing") != 0 && store.faults.count(f) != 0) {
                Fail("store " + store.name + ": missing cannot be combined with " + f);
              }
            }
            store.dn = Rdn("CN", store.name) + "," + sg.dn;
            store.guid = NewGuid(store.dn);
            // docs/DOMAIN.md "Schema facts" gives the first store's value; later ones are
            // numbered to stay unique.
            const bool mailbox = store.type == StoreType::kMailbox;
            const int n = mailbox ? ++private_count : ++public_count;
            store.legacy_dn = server.legacy_dn +
                              (mailbox ? "/cn=Microsoft Private MDB" : "/cn=Microsoft Public MDB") +
                              (n > 1 ? " " + std::to_string(n) : "");
            // A recovery storage group's stores have no SMTP mailbox and no system mailbox.
            if (sg.recovery.empty()) stores_.push_back({&ag, &server, &sg, &store});
          }
        }
      }
    }
  }

  struct StorePath {
    AdminGroup* ag;
    Server* server;
    StorageGroup* sg;
    Store* store;
  };

  std::string GatewayName(const Server& server, const Store& store, bool hyphen = true) const {
    return "SMTP (" + server.name + (hyphen ? "-" : "") + store.guid.ToBracedUpper() + ")";
  }

  Gateway CorrectGateway(const StorePath& p) const {
    Gateway g;
    g.cn = GatewayName(*p.server, *p.store);
    g.dn = Rdn("CN", g.cn) + "," + connections_dn_;
    g.home_mdb = p.store->dn;
    g.home_mta = p.server->mta_dn;
    g.delivery_mechanism = "2";
    g.legacy_dn = p.ag->legacy_dn + "/cn=Configuration/cn=Connections/cn=SMTP (" + p.server->name +
                  ")/cn=" + p.store->guid.ToBracedUpper();
    g.guid = NewGuid(g.dn);
    return g;
  }

  void AddFault(const StorePath* p, const std::string& fault, const std::string& finding,
                const std::string& object_dn, const std::string& attribute,
                const std::string& actual, const std::string& expected,
                const std::string& note = "", const std::string& server = "") {
    Json f;
    f["fault"] = fault;
    f["finding"] = finding;
    f["server"] = p != nullptr ? p->server->name : server;
    f["storage_group"] = p != nullptr ? p->sg->name : "";
    f["store"] = p != nullptr ? p->store->name : "";
    f["store_guid"] = p != nullptr ? p->store->guid.ToString() : "";
    f["object_dn"] = object_dn;
    f["attribute"] = attribute;
    f["actual"] = actual;
    f["expected"] = expected;
    if (!note.empty()) f["note"] = note;
    faults_.push_back(std::move(f));
  }

  // The store another one's gateway wrongly points at: the next store without faults of the
  // organization (so the target's own findings stay clean), else simply the next existing store.
  const Store* OtherStore(const Store* self) const {
    size_t i = 0;
    while (i < stores_.size() && stores_[i].store != self)
      ++i;
    const Store* fallback = nullptr;
    for (size_t k = 1; k < stores_.size(); ++k) {
      const Store* other = stores_[(i + k) % stores_.size()].store;
      if (other->faults.count("no_home_mdb") != 0) continue;
      if (other->faults.empty()) return other;
      if (fallback == nullptr) fallback = other;
    }
    return fallback;
  }

  const Server* OtherServer(const Server* self) const {
    for (const auto& [name, entry] : servers_) {
      if (entry.second != self && !entry.second->mta_missing) return entry.second;
    }
    return nullptr;
  }

  void BuildGateways() {
    for (const auto& p : stores_) {
      const Store& store = *p.store;
      const auto has = [&](const char* f) { return store.faults.count(f) != 0; };
      Gateway g = CorrectGateway(p);
      const Gateway correct = g;
      if (has("missing")) {
        AddFault(&p, "missing", "missing", correct.dn, "", "", correct.dn);
      }
      if (has("no_home_mdb")) {
        // The store is gone (not written); AD dropped the linked homeMDB of its gateway.
        g.home_mdb.reset();
        AddFault(nullptr, "no_home_mdb", "orphan", g.dn, "homeMDB", "", "",
                 "store " + store.guid.ToString() + " deleted", p.server->name);
      }
      if (has("kb_name_without_hyphen")) {
        g.cn = GatewayName(*p.server, store, false);
        g.dn = Rdn("CN", g.cn) + "," + connections_dn_;
        g.guid = NewGuid(g.dn);
        Json v;
        v["variant"] = "kb_name_without_hyphen";
        v["server"] = p.server->name;
        v["storage_group"] = p.sg->name;
        v["store"] = store.name;
        v["store_guid"] = store.guid.ToString();
        v["object_dn"] = g.dn;
        variants_.push_back(std::move(v));
      }
      if (has("wrong_name")) {
        g.cn = "SMTP (" + p.server->name + ")";
        for (int n = 2; used_names_.count(g.cn) != 0; ++n) {
          g.cn = "SMTP (" + p.server->name + ") " + std::to_string(n);
        }
        g.dn = Rdn("CN", g.cn) + "," + connections_dn_;
        g.guid = NewGuid(g.dn);
        AddFault(&p, "wrong_name", "wrong_name", g.dn, "cn", g.cn, correct.cn);
      }
      if (has("wrong_home_mdb")) {
        const Store* other = OtherStore(&store);
        g.home_mdb = other != nullptr ? other->dn : "CN=Old Mailbox Store," + p.sg->dn;
        AddFault(&p, "wrong_home_mdb", "wrong_home_mdb", g.dn, "homeMDB", *g.home_mdb, store.dn);
      }
      if (has("wrong_home_mta")) {
        const Server* other = OtherServer(p.server);
        g.home_mta = other != nullptr ? other->mta_dn
                                      : "CN=Microsoft MTA,CN=OLDSERVER,CN=Servers," + p.ag->dn;
        AddFault(&p, "wrong_home_mta", "wrong_home_mta", g.dn, "homeMTA", *g.home_mta,
                 p.server->mta_dn);
      }
      if (has("deleted_home_mta")) {
        // The MTA was deleted and re-created: the gateway still names the old one's tombstone.
        const exdm::Guid old_mta = NewGuid("deleted:" + p.server->mta_dn);
        g.home_mta =
            "CN=Microsoft MTA\\0ADEL:" + old_mta.ToString() + ",CN=Deleted Objects," + config_dn_;
        AddFault(&p, "deleted_home_mta", "wrong_home_mta", g.dn, "homeMTA", *g.home_mta,
                 p.server->mta_dn, "deleted object");
      }
      if (has("wrong_delivery_mechanism")) {
        g.delivery_mechanism = "0";
        AddFault(&p, "wrong_delivery_mechanism", "wrong_delivery_mechanism", g.dn,
                 "deliveryMechanism", "0", "2");
      }
      if (has("wrong_legacy_dn")) {
        g.legacy_dn = p.ag->legacy_dn + "/cn=Configuration/cn=Connections/cn=SMTP (" +
                      p.server->name + ")/cn=" + NewGuid("old:" + store.dn).ToBracedUpper();
        AddFault(&p, "wrong_legacy_dn", "wrong_legacy_dn", g.dn, "legacyExchangeDN", *g.legacy_dn,
                 *correct.legacy_dn);
      }
      if (p.server->mta_missing) {
        AddFault(&p, "mta_missing", "mta_missing", p.server->mta_dn, "homeMTA", "",
                 p.server->mta_dn, "server has no Microsoft MTA object");
      }
      if (has("system_mailbox_missing") && store.type == StoreType::kMailbox) {
        AddFault(&p, "system_mailbox_missing", "system_mailbox_missing", SystemMailboxDn(store), "",
                 "", SystemMailboxDn(store));
      }
      if (!has("missing")) AddGateway(g, store.guid.ToString());
      if (has("duplicate") || has("duplicate_cnf")) {
        Gateway second = correct;
        if (has("duplicate_cnf")) {
          const exdm::Guid dup = NewGuid("cnf:" + correct.dn);
          second.cn = correct.cn + "\nCNF:" + dup.ToString();
        } else {
          second.cn = GatewayName(*p.server, store, false);
        }
        second.dn = Rdn("CN", second.cn) + "," + connections_dn_;
        second.guid = NewGuid(second.dn);
        AddGateway(second, store.guid.ToString());
        AddFault(&p, has("duplicate_cnf") ? "duplicate_cnf" : "duplicate", "duplicate", second.dn,
                 "", "2 SMTP mailboxes", "1 SMTP mailbox", "also " + g.dn);
      }
    }
    for (const auto& o : org_.orphans) {
      auto it = servers_.find(o.server);
      if (it == servers_.end()) Fail("orphan_gateways: unknown server " + o.server);
      const Server& server = *it->second.second;
      for (int i = 0; i < o.count; ++i) {
        const exdm::Guid ghost = NewGuid("orphan:" + server.name + ":" + std::to_string(i));
        Gateway g;
        g.cn = "SMTP (" + server.name + "-" + ghost.ToBracedUpper() + ")";
        g.dn = Rdn("CN", g.cn) + "," + connections_dn_;
        g.home_mta = server.mta_dn;
        g.delivery_mechanism = "2";
        g.legacy_dn = it->second.first->legacy_dn + "/cn=Configuration/cn=Connections/cn=SMTP (" +
                      server.name + ")/cn=" + ghost.ToBracedUpper();
        g.guid = NewGuid(g.dn);
        AddGateway(g, "");
        AddFault(nullptr, "orphan_gateway", "orphan", g.dn, "homeMDB", "", "",
                 "no store with objectGUID " + ghost.ToString(), server.name);
      }
    }
  }

  void AddGateway(const Gateway& g, const std::string& store_guid) {
    if (!used_names_.insert(g.cn).second) Fail("two SMTP mailboxes named " + g.cn);
    if (g.home_mdb) back_links_[*g.home_mdb].push_back(g.dn);
    gateways_.push_back(g);
    Json j;
    j["dn"] = g.dn;
    j["store_guid"] = store_guid;
    gateway_manifest_.push_back(std::move(j));
  }

  std::string SystemMailboxDn(const Store& store) const {
    return Rdn("CN", "SystemMailbox" + store.guid.ToBracedUpper()) +
           ",CN=Microsoft Exchange System Objects," + store.system_domain_dn;
  }

  std::string UserDn(const User& u, const Store& store) const {
    return Rdn("CN", u.cn) + ",CN=Users," + store.users_domain_dn;
  }

  void Container(const std::string& dn, const std::string& cn, const char* cls) {
    w_.Begin(dn);
    w_.Attr("objectClass", "top");
    if (std::string_view(cls) != "container") w_.Attr("objectClass", "container");
    w_.Attr("objectClass", cls);
    w_.Attr("cn", cn);
    w_.Binary("objectGUID", NewGuid(dn).Bytes());
    w_.Attr("showInAdvancedViewOnly", "TRUE");
    w_.End();
  }

  void Named(const std::string& dn, const std::string& cn, const char* cls,
             const std::string& legacy_dn) {
    w_.Begin(dn);
    w_.Attr("objectClass", "top");
    w_.Attr("objectClass", cls);
    w_.Attr("cn", cn);
    w_.Binary("objectGUID", NewGuid(dn).Bytes());
    if (!legacy_dn.empty()) w_.Attr("legacyExchangeDN", legacy_dn);
    w_.Attr("showInAdvancedViewOnly", "TRUE");
    w_.End();
  }

  void Emit() {
    // Users and system mailboxes point at their stores too (homeMDBBL lists them all).
    for (const auto& p : stores_) {
      if (p.store->faults.count("no_home_mdb") != 0) continue;
      for (const auto& u : p.store->users)
        back_links_[p.store->dn].push_back(UserDn(u, *p.store));
      if (HasSystemMailbox(*p.store)) {
        back_links_[p.store->dn].push_back(SystemMailboxDn(*p.store));
      }
    }

    // A forest of several domains: one crossRef per domain (FLAG_CR_NTDS_NC | FLAG_CR_NTDS_DOMAIN).
    Json domains = Json::array();
    if (!org_.child_domains.empty()) {
      std::vector<std::string> all = {org_.dns_domain};
      all.insert(all.end(), org_.child_domains.begin(), org_.child_domains.end());
      for (const std::string& dns : all) {
        std::string netbios = dns.substr(0, dns.find('.'));
        for (char& c : netbios)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const std::string dn = Rdn("CN", netbios) + ",CN=Partitions," + config_dn_;
        w_.Begin(dn);
        w_.Attr("objectClass", "top");
        w_.Attr("objectClass", "crossRef");
        w_.Attr("cn", netbios);
        w_.Attr("nCName", DomainDn(dns));
        w_.Attr("dnsRoot", dns);
        w_.Attr("nETBIOSName", netbios);
        w_.Attr("systemFlags", "3");
        w_.End();
        Json d;
        d["dns"] = dns;
        d["dn"] = DomainDn(dns);
        d["cross_ref"] = dn;
        domains.push_back(std::move(d));
      }
    }

    Container(exchange_dn_, "Microsoft Exchange", "msExchConfigurationContainer");
    w_.Begin(org_dn_);
    w_.Attr("objectClass", "top");
    w_.Attr("objectClass", "msExchOrganizationContainer");
    w_.Attr("cn", org_.name);
    w_.Binary("objectGUID", NewGuid(org_dn_).Bytes());
    w_.Attr("legacyExchangeDN", org_legacy_);
    w_.Attr("showInAdvancedViewOnly", "TRUE");
    w_.End();
    Container(connections_dn_, "Connections", "msExchConnectors");
    Container("CN=Administrative Groups," + org_dn_, "Administrative Groups",
              "msExchAdminGroupContainer");

    Json servers = Json::array(), stores = Json::array(), connectors = Json::array();
    Json recovery_stores = Json::array();
    for (auto& ag : org_.admin_groups) {
      Named(ag.dn, ag.name, "msExchAdminGroup", ag.legacy_dn);
      Container("CN=Servers," + ag.dn, "Servers", "msExchServersContainer");
      if (!ag.routing_groups.empty()) {
        Container("CN=Routing Groups," + ag.dn, "Routing Groups", "msExchRoutingGroupContainer");
      }
      for (const auto& rg : ag.routing_groups) {
        const std::string rg_dn = Rdn("CN", rg.name) + ",CN=Routing Groups," + ag.dn;
        Named(rg_dn, rg.name, "msExchRoutingGroup", "");
        Container("CN=Connections," + rg_dn, "Connections", "msExchConnectors");
        for (const auto& c : rg.connectors) {
          const std::string dn = Rdn("CN", c.name) + ",CN=Connections," + rg_dn;
          w_.Begin(dn);
          w_.Attr("objectClass", "top");
          w_.Attr("objectClass", "mailGateway");
          w_.Attr("objectClass", "msExchRoutingSMTPConnector");
          w_.Attr("cn", c.name);
          w_.Binary("objectGUID", NewGuid(dn).Bytes());
          w_.Attr("legacyExchangeDN",
                  ag.legacy_dn + "/cn=Configuration/cn=Connections/cn=" + c.name);
          w_.Attr("routingList", "SMTP:*;1");
          if (!c.smart_host.empty()) w_.Attr("msExchSmtpSmartHost", c.smart_host);
          for (const auto& bh : c.bridgeheads) {
            auto it = servers_.find(bh);
            if (it == servers_.end()) Fail("connector " + c.name + ": unknown bridgehead " + bh);
            w_.Attr("msExchSourceBridgeheadServersDN", it->second.second->dn);
          }
          w_.Attr("showInAdvancedViewOnly", "TRUE");
          w_.End();
          Json jc;
          jc["dn"] = dn;
          jc["routing_group"] = rg.name;
          jc["admin_group"] = ag.name;
          connectors.push_back(std::move(jc));
        }
      }
      for (auto& server : ag.servers) {
        w_.Begin(server.dn);
        w_.Attr("objectClass", "top");
        w_.Attr("objectClass", "msExchExchangeServer");
        w_.Attr("cn", server.name);
        w_.Binary("objectGUID", NewGuid(server.dn).Bytes());
        w_.Attr("legacyExchangeDN", server.legacy_dn);
        w_.Attr("networkAddress", "ncacn_ip_tcp:" + server.name + "." +
                                      (server.domain.empty() ? org_.dns_domain : server.domain));
        if (server.message_tracking) {
          w_.Attr("messageTrackingEnabled", *server.message_tracking ? "TRUE" : "FALSE");
        }
        w_.Attr("serialNumber", "Version 6.5 (Build 7638.2: Service Pack 2)");
        w_.Attr("showInAdvancedViewOnly", "TRUE");
        w_.End();
        if (!server.mta_missing) {
          Named(server.mta_dn, "Microsoft MTA", "mTA", server.legacy_dn + "/cn=Microsoft MTA");
        }
        Named("CN=InformationStore," + server.dn, "InformationStore", "msExchInformationStore", "");
        Json js;
        js["name"] = server.name;
        js["admin_group"] = ag.name;
        js["dn"] = server.dn;
        js["mta_dn"] = server.mta_dn;
        js["mta_present"] = !server.mta_missing;
        js["legacy_dn"] = server.legacy_dn;
        servers.push_back(std::move(js));
        for (auto& sg : server.storage_groups) {
          if (sg.recovery == "restore") {
            w_.Begin(sg.dn);
            w_.Attr("objectClass", "top");
            w_.Attr("objectClass", "msExchStorageGroup");
            w_.Attr("cn", sg.name);
            w_.Binary("objectGUID", NewGuid(sg.dn).Bytes());
            w_.Attr("msExchRestore", "TRUE");
            w_.Attr("showInAdvancedViewOnly", "TRUE");
            w_.End();
          } else {
            Named(sg.dn, sg.name, "msExchStorageGroup", "");
          }
          for (auto& store : sg.stores) {
            if (store.faults.count("no_home_mdb") != 0) continue;  // deleted
            const bool mailbox = store.type == StoreType::kMailbox;
            w_.Begin(store.dn);
            w_.Attr("objectClass", "top");
            w_.Attr("objectClass", "msExchMDB");
            w_.Attr("objectClass", mailbox ? "msExchPrivateMDB" : "msExchPublicMDB");
            w_.Attr("cn", store.name);
            w_.Binary("objectGUID", store.guid.Bytes());
            w_.Attr("legacyExchangeDN", store.legacy_dn);
            w_.Attr("msExchOwningServer", server.dn);
            for (const auto& bl : back_links_[store.dn])
              w_.Attr("homeMDBBL", bl);
            if (sg.recovery == "orig_mdb") w_.Attr("msExchOrigMDB", OriginalStore(server));
            if (!store.mail.empty()) {
              w_.Attr("mail", store.mail);
              w_.Attr("proxyAddresses", "SMTP:" + store.mail);
            }
            w_.Attr("showInAdvancedViewOnly", "TRUE");
            w_.End();
            if (!sg.recovery.empty()) {
              Json rs;
              rs["server"] = server.name;
              rs["storage_group"] = sg.name;
              rs["store"] = store.name;
              rs["guid"] = store.guid.ToString();
              rs["dn"] = store.dn;
              rs["marked_by"] = sg.recovery;
              recovery_stores.push_back(std::move(rs));
              continue;
            }
            Json st;
            st["server"] = server.name;
            st["storage_group"] = sg.name;
            st["store"] = store.name;
            st["type"] = mailbox ? "mailbox" : "public";
            st["guid"] = store.guid.ToString();
            st["dn"] = store.dn;
            st["legacy_dn"] = store.legacy_dn;
            st["admin_group"] = ag.name;
            st["users"] = store.users.size();
            st["system_mailbox_dn"] = mailbox ? SystemMailboxDn(store) : "";
            const Gateway expected = CorrectGateway({&ag, &server, &sg, &store});
            Json eg;
            eg["dn"] = expected.dn;
            eg["cn"] = expected.cn;
            eg["homeMDB"] = *expected.home_mdb;
            eg["homeMTA"] = *expected.home_mta;
            eg["deliveryMechanism"] = 2;
            eg["legacyExchangeDN"] = *expected.legacy_dn;
            st["expected_gateway"] = std::move(eg);
            Json kinds = Json::array();
            for (const auto& f : faults_) {
              if (f["store_guid"] == st["guid"]) kinds.push_back(f["finding"]);
            }
            st["findings"] = std::move(kinds);
            stores.push_back(std::move(st));
          }
        }
      }
    }

    for (const auto& g : gateways_) {
      w_.Begin(g.dn);
      w_.Attr("objectClass", "top");
      w_.Attr("objectClass", "mailGateway");
      w_.Attr("cn", g.cn);
      w_.Binary("objectGUID", g.guid.Bytes());
      if (g.home_mdb) w_.Attr("homeMDB", *g.home_mdb);
      if (g.home_mta) w_.Attr("homeMTA", *g.home_mta);
      if (g.delivery_mechanism) w_.Attr("deliveryMechanism", *g.delivery_mechanism);
      if (g.legacy_dn) w_.Attr("legacyExchangeDN", *g.legacy_dn);
      w_.Attr("showInAdvancedViewOnly", "TRUE");
      w_.End();
    }

    // Domain naming context: system mailboxes and users.
    DomainWriter(domain_dn_);  // the root domain's first, as in a forest of one domain
    Json users = Json::array();
    for (const auto& p : stores_) {
      const Store& store = *p.store;
      if (store.faults.count("no_home_mdb") != 0) continue;
      if (HasSystemMailbox(store)) {
        const std::string dn = SystemMailboxDn(store);
        LdifWriter& sw = DomainWriter(store.system_domain_dn);
        const std::string cn = "SystemMailbox" + store.guid.ToBracedUpper();
        sw.Begin(dn);
        sw.Attr("objectClass", "top");
        sw.Attr("objectClass", "msExchSystemMailbox");
        sw.Attr("cn", cn);
        sw.Binary("objectGUID", NewGuid(dn).Bytes());
        sw.Attr("legacyExchangeDN", p.ag->legacy_dn + "/cn=Recipients/cn=" + cn);
        sw.Attr("homeMDB", store.dn);
        sw.Attr("homeMTA", p.server->mta_dn);
        sw.Attr("msExchHomeServerName", p.server->legacy_dn);
        sw.Attr("mail", cn + "@" + org_.mail_domain);
        sw.Attr("proxyAddresses", "SMTP:" + cn + "@" + org_.mail_domain);
        sw.Attr("showInAdvancedViewOnly", "TRUE");
        sw.End();
      }
      for (const auto& u : store.users) {
        const std::string dn = UserDn(u, store);
        LdifWriter& uw = DomainWriter(store.users_domain_dn);
        uw.Begin(dn);
        uw.Attr("objectClass", "top");
        uw.Attr("objectClass", "person");
        uw.Attr("objectClass", "organizationalPerson");
        uw.Attr("objectClass", "user");
        uw.Attr("cn", u.cn);
        uw.Attr("sn", u.cn);
        uw.Attr("displayName", u.cn);
        uw.Binary("objectGUID", NewGuid(dn).Bytes());
        uw.Attr("sAMAccountName", u.alias.substr(0, 20));
        uw.Attr("userPrincipalName", u.alias + "@" + org_.dns_domain);
        uw.Attr("mail", u.mail);
        uw.Attr("proxyAddresses", "SMTP:" + u.mail);
        for (const auto& a : u.proxy_addresses)
          uw.Attr("proxyAddresses", a);
        uw.Attr("proxyAddresses",
                "X400:c=US;a= ;p=" + org_.name + ";o=Exchange;s=" + u.alias + ";");
        uw.Attr("legacyExchangeDN", p.ag->legacy_dn + "/cn=Recipients/cn=" + u.alias);
        uw.Attr("homeMDB", store.dn);
        uw.Attr("homeMTA", p.server->mta_dn);
        uw.Attr("msExchHomeServerName", p.server->legacy_dn);
        uw.End();
        Json ju;
        ju["dn"] = dn;
        ju["mail"] = u.mail;
        ju["store_guid"] = store.guid.ToString();
        users.push_back(std::move(ju));
      }
    }
    Json public_folders = Json::array();
    for (const PublicFolder& pf : org_.public_folders) {
      const std::string domain = DomainDnOf(pf.domain);
      const std::string dn = Rdn("CN", pf.name) + ",CN=Microsoft Exchange System Objects," + domain;
      const std::string alias = pf.mail.substr(0, pf.mail.find('@'));
      LdifWriter& pw = DomainWriter(domain);
      pw.Begin(dn);
      pw.Attr("objectClass", "top");
      pw.Attr("objectClass", "publicFolder");
      pw.Attr("cn", pf.name);
      pw.Attr("displayName", pf.name);
      pw.Binary("objectGUID", NewGuid(dn).Bytes());
      pw.Attr("mail", pf.mail);
      pw.Attr("proxyAddresses", "SMTP:" + pf.mail);
      pw.Attr("legacyExchangeDN", org_legacy_ + "/cn=Recipients/cn=" + alias);
      pw.Attr("showInAdvancedViewOnly", "TRUE");
      pw.End();
      Json jp;
      jp["dn"] = dn;
      jp["mail"] = pf.mail;
      jp["domain_dn"] = domain;
      public_folders.push_back(std::move(jp));
    }

    manifest_["organization"] = org_.name;
    manifest_["seed"] = seed_;
    manifest_["domain_dn"] = domain_dn_;
    manifest_["configuration_dn"] = config_dn_;
    manifest_["organization_dn"] = org_dn_;
    manifest_["organization_legacy_dn"] = org_legacy_;
    manifest_["connections_dn"] = connections_dn_;
    manifest_["gateway_count"] = gateways_.size();  // mailGateways one level under connections_dn
    manifest_["servers"] = std::move(servers);
    manifest_["stores"] = std::move(stores);
    manifest_["gateways"] = gateway_manifest_;
    manifest_["connectors"] = std::move(connectors);
    manifest_["faults"] = faults_;
    manifest_["variants"] = variants_;
    manifest_["users"] = std::move(users);
    manifest_["domains"] = std::move(domains);
    manifest_["recovery_stores"] = std::move(recovery_stores);
    manifest_["public_folders"] = std::move(public_folders);
  }

  // The first mailbox store of an ordinary storage group of `server`: what a recovery storage
  // group's store was restored from.
  std::string OriginalStore(const Server& server) const {
    for (const auto& sg : server.storage_groups) {
      if (!sg.recovery.empty()) continue;
      for (const auto& store : sg.stores)
        if (store.type == StoreType::kMailbox) return store.dn;
    }
    Fail("server " + server.name + ": a recovery storage group needs a mailbox store to restore");
  }

  bool HasSystemMailbox(const Store& store) const {
    return store.type == StoreType::kMailbox && store.faults.count("system_mailbox_missing") == 0;
  }

  Org org_;
  uint64_t seed_;
  LdifWriter w_;
  std::string domain_dn_, config_dn_, exchange_dn_, org_dn_, connections_dn_, org_legacy_;
  std::map<std::string, std::pair<AdminGroup*, Server*>> servers_;
  std::vector<StorePath> stores_;
  std::vector<Gateway> gateways_;
  std::set<std::string> used_names_;
  std::map<std::string, std::vector<std::string>> back_links_;
  std::map<std::string, LdifWriter> domain_writers_;  // domain DN -> its entries
  std::vector<std::string> domain_order_;
  Json gateway_manifest_ = Json::array();
  Json faults_ = Json::array();
  Json variants_ = Json::array();
  Json manifest_;
};

int ParseInt(const std::string& s, const char* what) {
  try {
    size_t used = 0;
    const long v = std::stol(s, &used);
    if (used != s.size() || v < 0 || v > 100000000) throw std::out_of_range(what);
    return static_cast<int>(v);
  } catch (const std::exception&) {
    Fail(std::string("bad ") + what + ": " + s);
  }
}

void WriteFile(const std::string& path, const std::string& content) {
  if (path.empty() || path == "-") {
    std::cout.write(content.data(), static_cast<std::streamsize>(content.size()));
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) Fail("cannot write " + path);
}

// One tab-separated line per store (and per fault without a store), for scripts and the demo.
std::string Summary(const Json& m) {
  std::map<std::string, std::string> users;  // store guid -> "a@x,b@x"
  for (const auto& u : m["users"]) {
    std::string& list = users[u["store_guid"].get<std::string>()];
    if (!list.empty()) list += ',';
    list += u["mail"].get<std::string>();
  }
  auto join = [](const Json& array) {
    std::string out;
    for (const auto& v : array)
      out += (out.empty() ? "" : ",") + v.get<std::string>();
    return out.empty() ? std::string("-") : out;
  };
  std::string out = "server\tstorage_group\tstore\ttype\tguid\tfindings\tusers\n";
  for (const auto& s : m["stores"]) {
    const std::string guid = s["guid"];
    out += s["server"].get<std::string>() + "\t" + s["storage_group"].get<std::string>() + "\t" +
           s["store"].get<std::string>() + "\t" + s["type"].get<std::string>() + "\t" + guid +
           "\t" + join(s["findings"]) + "\t" + (users.count(guid) ? users[guid] : "-") + "\n";
  }
  for (const auto& f : m["faults"]) {
    if (!f["store"].get<std::string>().empty()) continue;
    out += f["server"].get<std::string>() + "\t-\t-\t-\t-\t" + f["finding"].get<std::string>() +
           "\t-\n";
  }
  return out;
}

int Main(int argc, char** argv) {
  std::string summary_path, partition_dir;
  std::string description_path, ldif_path, manifest_path, domain = "contoso.com",
                                                          organization = "Contoso";
  uint64_t seed = 1;
  ScaleOptions scale;
  bool scale_mode = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "-o" || arg == "--output") {
      ldif_path = value();
    } else if (arg == "--manifest") {
      manifest_path = value();
    } else if (arg == "--summary") {
      summary_path = value();
    } else if (arg == "--partition-dir") {
      partition_dir = value();
    } else if (arg == "--seed") {
      seed = static_cast<uint64_t>(ParseInt(value(), "seed"));
    } else if (arg == "--servers") {
      scale.servers = ParseInt(value(), "server count");
      scale_mode = true;
    } else if (arg == "--stores-per-server") {
      scale.stores_per_server = ParseInt(value(), "stores per server");
      scale_mode = true;
    } else if (arg == "--users-per-store") {
      scale.users_per_store = ParseInt(value(), "users per store");
    } else if (arg == "--public-every") {
      scale.public_every = ParseInt(value(), "public-every");
    } else if (arg == "--fault") {
      const std::string f = value();
      const auto eq = f.find('=');
      const std::string kind = f.substr(0, eq);
      if (StoreFaultNames().count(kind) == 0) Fail("unknown fault " + kind);
      scale.faults.emplace_back(
          kind, eq == std::string::npos ? 1 : ParseInt(f.substr(eq + 1), "fault count"));
    } else if (arg == "--domain") {
      domain = value();
    } else if (arg == "--organization") {
      organization = value();
    } else if (!arg.empty() && arg[0] == '-') {
      Fail("unknown option " + arg + " (see --help)");
    } else if (description_path.empty()) {
      description_path = arg;
    } else {
      Fail("more than one description file");
    }
  }
  Org org;
  if (scale_mode) {
    if (!description_path.empty()) Fail("give a description or --servers/--stores-per-server");
    if (scale.servers <= 0 || scale.stores_per_server <= 0) {
      Fail("--servers and --stores-per-server must both be positive");
    }
    org.name = organization;
    org.dns_domain = domain;
    org.mail_domain = domain;
    org = ScaleOrganization(std::move(org), scale, seed);
  } else {
    if (description_path.empty()) Fail("no description (see --help)");
    std::ifstream in(description_path);
    if (!in) Fail("cannot read " + description_path);
    Json j;
    try {
      j = Json::parse(in);
    } catch (const std::exception& e) {
      Fail(description_path + ": " + e.what());
    }
    org = ParseDescription(j);
  }
  Generator gen(std::move(org), seed);
  gen.Run();
  WriteFile(ldif_path, gen.ldif());
  if (!manifest_path.empty()) WriteFile(manifest_path, gen.manifest().dump(2) + "\n");
  if (!summary_path.empty()) WriteFile(summary_path, Summary(gen.manifest()));
  if (!partition_dir.empty()) {
    for (const auto& [name, text] : gen.partitions())
      WriteFile(partition_dir + "/" + name + ".ldif", text);
  }
  return 0;
}

}  // namespace
}  // namespace exdm::gen

int main(int argc, char** argv) {
  return exdm::gen::Main(argc, argv);
}
