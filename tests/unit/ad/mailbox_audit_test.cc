// The audit rules on in-memory topologies: one fault at a time, each on the right store with the
// right expected value and nothing else reported.
#include "exdm/ad/mailbox_audit.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace exdm {
namespace {

Dn P(const std::string& text) {
  return *Dn::Parse(text);
}

Guid G(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x-7c43-4feb-8ea2-97c65cc06a%02x", 0x3e438500 + n, n);
  return *Guid::Parse(text);
}

// Contoso: one admin group, EXCH01 (SG1: Mailbox Store + Public Folder Store, SG2: Mailbox Store 2)
// and EXCH02 (SG1: Mailbox Store); every gateway correct, every system mailbox present.
struct Org {
  ExchangeTopology t;

  Org() {
    t.config_nc = P("CN=Configuration,DC=contoso,DC=com");
    t.domain_nc = P("DC=contoso,DC=com");
    t.org_name = "Contoso";
    t.org_legacy_dn = "/o=Contoso";
    t.org_dn = t.config_nc.Child("CN", "Services")
                   .Child("CN", "Microsoft Exchange")
                   .Child("CN", "Contoso");
    ExchangeAdminGroup ag;
    ag.name = "First Administrative Group";
    ag.dn = t.org_dn.Child("CN", "Administrative Groups").Child("CN", ag.name);
    ag.legacy_dn = "/o=Contoso/ou=First Administrative Group";
    t.admin_groups.push_back(ag);
    AddServer("EXCH01");
    AddServer("EXCH02");
    AddStore(0, "First Storage Group", "Mailbox Store (EXCH01)", StoreType::kMailbox, G(1));
    AddStore(0, "First Storage Group", "Public Folder Store (EXCH01)", StoreType::kPublic, G(2));
    AddStore(0, "Second Storage Group", "Mailbox Store 2 (EXCH01)", StoreType::kMailbox, G(3));
    AddStore(1, "First Storage Group", "Mailbox Store (EXCH02)", StoreType::kMailbox, G(4));
    for (const ExchangeStore& s : t.stores) {
      t.gateways.push_back(CorrectGateway(s));
      if (s.type == StoreType::kMailbox) t.system_mailboxes.insert(s.guid);
    }
    t.system_mailboxes_known = true;
    // A routing group SMTP connector: a mailGateway too, but not an SMTP mailbox.
    SmtpGateway connector;
    connector.dn = P("CN=SMTP Connector,CN=Connections,CN=First Routing Group,CN=Routing Groups," +
                     ag.dn.ToString());
    t.gateways.push_back(connector);
  }

  void AddServer(const std::string& name) {
    ExchangeServer s;
    s.name = name;
    s.dn = t.admin_groups[0].dn.Child("CN", "Servers").Child("CN", name);
    s.mta = s.dn.Child("CN", "Microsoft MTA");
    t.servers.push_back(s);
  }

  void AddStore(size_t server, const std::string& sg_name, const std::string& name, StoreType type,
                Guid guid) {
    size_t sg = t.storage_groups.size();
    for (size_t i = 0; i < t.storage_groups.size(); ++i) {
      if (t.storage_groups[i].server == server && t.storage_groups[i].name == sg_name) sg = i;
    }
    if (sg == t.storage_groups.size()) {
      ExchangeStorageGroup g;
      g.name = sg_name;
      g.server = server;
      g.dn = t.servers[server].dn.Child("CN", "InformationStore").Child("CN", sg_name);
      t.storage_groups.push_back(g);
    }
    ExchangeStore s;
    s.name = name;
    s.type = type;
    s.guid = guid;
    s.storage_group = sg;
    s.dn = t.storage_groups[sg].dn.Child("CN", name);
    t.stores.push_back(s);
  }

  SmtpGateway CorrectGateway(const ExchangeStore& s) const {
    const ExchangeServer& server = t.ServerOf(s);
    SmtpGateway gw;
    gw.dn =
        t.ConnectionsDn().Child("CN", "SMTP (" + server.name + "-" + s.guid.ToBracedUpper() + ")");
    gw.home_mdb = s.dn.ToString();
    gw.home_mta = server.mta->ToString();
    gw.delivery_mechanism = "2";
    gw.legacy_dn =
        "/o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/cn=SMTP (" +
        server.name + ")/cn=" + s.guid.ToBracedUpper();
    return gw;
  }

  SmtpGateway& GatewayOf(size_t store) { return t.gateways[store]; }

  AuditReport Audit(AuditOptions options = {}) const { return AuditSmtpMailboxes(t, options); }
};

std::vector<std::string> Kinds(const AuditReport& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.findings)
    out.push_back(std::string(FindingName(f.kind)));
  return out;
}

using Strings = std::vector<std::string>;

TEST(SmtpMailboxAuditTest, HealthyOrganizationHasNoFindingsAndIgnoresConnectors) {
  Org org;
  AuditReport r = org.Audit();
  EXPECT_TRUE(r.findings.empty()) << DescribeFinding(r.findings.front());
  EXPECT_EQ(r.stores.size(), 4u);
  EXPECT_EQ(r.gateways, 4u);
  EXPECT_EQ(r.servers, (Strings{"EXCH01", "EXCH02"}));
  EXPECT_EQ(r.orphans_per_server.at("EXCH01"), 0u);
  EXPECT_EQ(r.orphans_per_server.at("EXCH02"), 0u);
  EXPECT_TRUE(r.repairs.empty());
  EXPECT_EQ(r.stores[0].guid, G(1).ToString());
}

TEST(SmtpMailboxAuditTest, AcceptsTheKbNameWithoutHyphenAndAnyCase) {
  Org org;
  org.GatewayOf(0).dn =
      org.t.ConnectionsDn().Child("CN", "SMTP (EXCH01" + G(1).ToBracedUpper() + ")");
  org.GatewayOf(3).dn =
      P("cn=smtp (exch02-{" + G(4).ToString() + "})," + org.t.ConnectionsDn().ToString());
  EXPECT_TRUE(org.Audit().findings.empty());
}

TEST(SmtpMailboxAuditTest, MissingGatewayNamesWhereToCreateIt) {
  Org org;
  org.t.gateways.erase(org.t.gateways.begin() + 2);
  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), Strings{"missing"});
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.store.store, "Mailbox Store 2 (EXCH01)");
  EXPECT_EQ(f.store.storage_group, "Second Storage Group");
  EXPECT_EQ(f.store_guid, G(3).ToString());
  EXPECT_EQ(P(f.expected),
            org.t.ConnectionsDn().Child("CN", "SMTP (EXCH01-" + G(3).ToBracedUpper() + ")"));
  ASSERT_EQ(r.repairs.size(), 1u);
  ASSERT_TRUE(r.repairs[0].add);
  EXPECT_EQ(r.repairs[0].add->delivery_mechanism, "2");
  EXPECT_TRUE(r.repairs[0].delete_dns.empty());
}

TEST(SmtpMailboxAuditTest, DuplicateKeepsTheCorrectOneAndReportsOnlyTheCopy) {
  Org org;
  SmtpGateway copy = org.GatewayOf(1);
  copy.dn = org.t.ConnectionsDn().Child(
      "CN", "SMTP (EXCH01-" + G(2).ToBracedUpper() + ")\nCNF:0a4385bb-7c43-4feb-8ea2-97c65cc06abf");
  copy.delivery_mechanism = "0";
  org.t.gateways.insert(org.t.gateways.begin(), copy);  // the copy comes first in search order
  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), Strings{"duplicate"});
  EXPECT_EQ(r.findings[0].store.store, "Public Folder Store (EXCH01)");
  EXPECT_EQ(P(r.findings[0].object_dn), copy.dn);
  ASSERT_EQ(r.repairs.size(), 1u);
  EXPECT_EQ(r.repairs[0].delete_dns, Strings{copy.dn.ToString()});
  EXPECT_FALSE(r.repairs[0].add);
}

TEST(SmtpMailboxAuditTest, EachWrongAttributeIsReportedWithActualAndExpected) {
  struct Case {
    const char* kind;
    std::function<void(Org&, SmtpGateway&)> break_it;
    std::string attribute;
  };
  const std::vector<Case> cases = {
      {"wrong_home_mdb", [](Org& o, SmtpGateway& g) { g.home_mdb = o.t.stores[2].dn.ToString(); },
       "homeMDB"},
      {"wrong_home_mta",
       [](Org& o, SmtpGateway& g) { g.home_mta = o.t.servers[1].mta->ToString(); }, "homeMTA"},
      {"wrong_delivery_mechanism", [](Org&, SmtpGateway& g) { g.delivery_mechanism = "0"; },
       "deliveryMechanism"},
      {"wrong_delivery_mechanism", [](Org&, SmtpGateway& g) { g.delivery_mechanism.reset(); },
       "deliveryMechanism"},
      {"wrong_legacy_dn",
       [](Org&, SmtpGateway& g) {
         g.legacy_dn =
             "/o=Contoso/ou=Other Group/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/cn=" +
             G(1).ToBracedUpper();
       },
       "legacyExchangeDN"},
      {"wrong_name",
       [](Org& o, SmtpGateway& g) { g.dn = o.t.ConnectionsDn().Child("CN", "SMTP (EXCH01)"); },
       "cn"},
      {"wrong_name",
       [](Org& o, SmtpGateway& g) {
         g.dn = o.t.ConnectionsDn().Child("CN", "SMTP (EXCH02-" + G(1).ToBracedUpper() + ")");
       },
       "cn"},
  };
  for (const Case& c : cases) {
    Org org;
    c.break_it(org, org.GatewayOf(0));
    AuditReport r = org.Audit();
    ASSERT_EQ(Kinds(r), Strings{c.kind}) << c.kind << ": " << DescribeFinding(r.findings.front());
    const Finding& f = r.findings[0];
    EXPECT_EQ(f.store.store, "Mailbox Store (EXCH01)");
    EXPECT_EQ(f.attribute, c.attribute);
    EXPECT_FALSE(f.expected.empty());
    ASSERT_EQ(r.repairs.size(), 1u);
    EXPECT_EQ(r.repairs[0].delete_dns.size(), 1u);
    ASSERT_TRUE(r.repairs[0].add);
    EXPECT_EQ(P(r.repairs[0].add->home_mdb), org.t.stores[0].dn);
  }
}

TEST(SmtpMailboxAuditTest, TombstonedHomeMtaIsDangling) {
  Org org;
  org.GatewayOf(0).home_mta =
      "CN=Microsoft MTA\\0ADEL:0a4385bb-7c43-4feb-8ea2-97c65cc06abf,CN=Deleted Objects,"
      "CN=Configuration,DC=contoso,DC=com";
  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), Strings{"wrong_home_mta"});
  EXPECT_NE(r.findings[0].note.find("deleted"), std::string::npos);
  EXPECT_EQ(P(r.findings[0].expected), *org.t.servers[0].mta);
}

TEST(SmtpMailboxAuditTest, DnsCompareParsedNotRaw) {
  Org org;
  org.GatewayOf(0).home_mdb =
      "cn=mailbox store (exch01), cn=first storage group,cn=informationstore,"
      "cn=exch01,cn=servers,cn=first administrative group,"
      "cn=administrative groups,cn=contoso,cn=microsoft exchange,"
      "cn=services,cn=configuration,dc=contoso,dc=com";
  org.GatewayOf(0).legacy_dn =
      "/O=CONTOSO/OU=First Administrative Group/cn=Configuration/"
      "cn=Connections/cn=SMTP (EXCH01)/cn=" +
      G(1).ToString().insert(0, "{") + "}";
  EXPECT_TRUE(org.Audit().findings.empty());
}

TEST(SmtpMailboxAuditTest, GatewayWithoutHomeMdbIsOrphanOrWrongHomeMdbByItsGuid) {
  Org org;
  // Its GUID names no store: orphan, counted on EXCH02.
  SmtpGateway orphan = org.GatewayOf(3);
  orphan.dn = org.t.ConnectionsDn().Child("CN", "SMTP (EXCH02-" + G(99).ToBracedUpper() + ")");
  orphan.home_mdb.reset();
  orphan.legacy_dn =
      "/o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/"
      "cn=SMTP (EXCH02)/cn=" +
      G(99).ToBracedUpper();
  org.t.gateways.push_back(orphan);
  // Its store exists: wrong_home_mdb on that store.
  org.GatewayOf(2).home_mdb.reset();
  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), (Strings{"wrong_home_mdb", "orphan"}));
  EXPECT_EQ(r.findings[0].store.store, "Mailbox Store 2 (EXCH01)");
  EXPECT_EQ(r.findings[0].actual, "");
  EXPECT_EQ(r.findings[1].store.server, "EXCH02");
  EXPECT_EQ(r.findings[1].store_guid, G(99).ToString());
  EXPECT_EQ(r.orphans_per_server.at("EXCH02"), 1u);
  EXPECT_EQ(r.orphans_per_server.at("EXCH01"), 0u);
  EXPECT_EQ(r.gateways, 5u);
}

TEST(SmtpMailboxAuditTest, GatewayFoundByLegacyDnOrHomeMdbWhenItsNameLostTheGuid) {
  Org org;
  org.GatewayOf(0).dn = org.t.ConnectionsDn().Child("CN", "Renamed");
  org.GatewayOf(1).dn = org.t.ConnectionsDn().Child("CN", "Also renamed");
  org.GatewayOf(1).legacy_dn = "/o=Contoso/ou=x";
  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), (Strings{"wrong_name", "wrong_legacy_dn", "wrong_name"}));
  EXPECT_EQ(r.findings[0].store.store, "Mailbox Store (EXCH01)");
  EXPECT_EQ(r.findings[2].store.store, "Public Folder Store (EXCH01)");
}

TEST(SmtpMailboxAuditTest, MtaMissingAndSystemMailboxMissing) {
  Org org;
  org.t.servers[1].mta.reset();
  org.t.system_mailboxes.erase(G(3));
  org.t.system_mailboxes.erase(G(2));  // a public store never needs one
  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), (Strings{"system_mailbox_missing", "mta_missing"}));
  EXPECT_EQ(r.findings[0].store.store, "Mailbox Store 2 (EXCH01)");
  EXPECT_EQ(P(r.findings[0].object_dn),
            P("CN=SystemMailbox" + G(3).ToBracedUpper() +
              ",CN=Microsoft Exchange System Objects,DC=contoso,DC=com"));
  EXPECT_EQ(r.findings[1].store.server, "EXCH02");
  EXPECT_TRUE(r.repairs.empty());
  // Unknown system mailboxes (domain NC not searched) are not reported.
  org.t.system_mailboxes_known = false;
  EXPECT_EQ(Kinds(org.Audit()), Strings{"mta_missing"});
}

TEST(SmtpMailboxAuditTest, ServerRestriction) {
  Org org;
  org.t.gateways.erase(org.t.gateways.begin() + 3);  // EXCH02's gateway
  org.t.gateways.erase(org.t.gateways.begin());      // EXCH01's first
  AuditOptions only02;
  only02.servers = {"exch02"};
  AuditReport r = org.Audit(only02);
  ASSERT_EQ(Kinds(r), Strings{"missing"});
  EXPECT_EQ(r.findings[0].store.server, "EXCH02");
  EXPECT_EQ(r.stores.size(), 1u);
  EXPECT_EQ(r.servers, Strings{"EXCH02"});
  EXPECT_EQ(r.gateways, 0u);
}

TEST(SmtpMailboxAuditTest, FailingStoresFollowSeverity) {
  Org org;
  org.GatewayOf(0).delivery_mechanism = "1";
  org.GatewayOf(0).home_mdb.reset();
  org.t.system_mailboxes.erase(G(4));
  AuditReport r = org.Audit();
  EXPECT_EQ(
      r.FailingStores([](FindingKind k) { return DefaultSeverity(k) == Severity::kCritical; }), 2u);
  EXPECT_EQ(r.FailingStores([](FindingKind k) { return k != FindingKind::kSystemMailboxMissing; }),
            1u);
  EXPECT_EQ(
      r.FindingsFor(StoreRef{"EXCH01", "First Storage Group", "Mailbox Store (EXCH01)"}).size(),
      2u);
}

TEST(SmtpMailboxAuditTest, ViewsThatDisagreeAddDcDisagree) {
  Org a;
  Org b;
  b.GatewayOf(0).delivery_mechanism = "0";
  std::vector<AuditView> views;
  views.push_back({"ldap://dc1", a.Audit()});
  views.push_back({"ldap://dc2", b.Audit()});
  views.push_back({"ldap://dc3", Status(ErrorCode::kUnreachable, "connection refused")});
  AuditReport r = CombineViews(std::move(views));
  ASSERT_EQ(Kinds(r), (Strings{"wrong_delivery_mechanism", "dc_disagree"}));
  EXPECT_EQ(r.findings[0].seen_on, Strings{"ldap://dc2"});
  EXPECT_EQ(r.findings[1].store.store, "Mailbox Store (EXCH01)");
  EXPECT_NE(r.findings[1].note.find("not on ldap://dc1"), std::string::npos);
  ASSERT_EQ(r.sources.size(), 3u);
  EXPECT_TRUE(r.sources[0].up);
  EXPECT_FALSE(r.sources[2].up);

  // The same view twice agrees.
  std::vector<AuditView> same;
  same.push_back({"ldap://dc1", b.Audit()});
  same.push_back({"ldap://dc2", b.Audit()});
  r = CombineViews(std::move(same));
  ASSERT_EQ(Kinds(r), Strings{"wrong_delivery_mechanism"});
  EXPECT_EQ(r.findings[0].seen_on, (Strings{"ldap://dc1", "ldap://dc2"}));

  // A store only one DC knows about.
  Org c;
  c.AddStore(1, "First Storage Group", "New Store", StoreType::kMailbox, G(7));
  c.t.gateways.push_back(c.CorrectGateway(c.t.stores.back()));
  c.t.system_mailboxes.insert(G(7));
  std::vector<AuditView> newer;
  newer.push_back({"ldap://dc1", a.Audit()});
  newer.push_back({"ldap://dc2", c.Audit()});
  r = CombineViews(std::move(newer));
  ASSERT_EQ(Kinds(r), Strings{"dc_disagree"});
  EXPECT_EQ(r.findings[0].store.store, "New Store");
  EXPECT_EQ(r.stores.size(), 5u);
}

// Equal findings within one view (here: a store listed twice, as discovery no longer builds it
// from a directory that returns an entry twice) still agree across two equal views: each copy
// matches once, no view is counted twice for one finding. Found by fuzzing.
TEST(SmtpMailboxAuditTest, EqualFindingsWithinOneViewStillAgreeAcrossViews) {
  Org org;
  org.t.gateways.erase(org.t.gateways.begin());
  org.t.stores.push_back(org.t.stores[0]);
  const AuditReport once = org.Audit();
  std::vector<AuditView> views;
  views.push_back({"ldap://dc1", once});
  views.push_back({"ldap://dc2", org.Audit()});
  const AuditReport r = CombineViews(std::move(views));
  for (const Finding& f : r.findings) {
    EXPECT_NE(f.kind, FindingKind::kDcDisagree) << f.note;
    EXPECT_EQ(f.seen_on, (Strings{"ldap://dc1", "ldap://dc2"})) << FindingName(f.kind);
  }
  EXPECT_EQ(r.findings.size(), once.findings.size());
}

TEST(SmtpMailboxAuditTest, RemediationLdifDeletesAndAddsWithoutAdAssignedAttributes) {
  Org org;
  org.GatewayOf(0).delivery_mechanism = "0";
  org.t.gateways.erase(org.t.gateways.begin() + 3);
  org.t.servers[0].name = "EXCH01\n# injected";  // hostile text never leaves a comment line
  AuditReport r = org.Audit();
  const std::string ldif = RenderRemediationLdif(r);
  EXPECT_EQ(ldif.find("\nobjectGUID:"), std::string::npos);
  EXPECT_NE(ldif.find("changetype: delete"), std::string::npos);
  EXPECT_NE(ldif.find("changetype: add"), std::string::npos);
  EXPECT_NE(ldif.find("deliveryMechanism: 2"), std::string::npos);
  EXPECT_EQ(ldif.find("\n# injected"), std::string::npos) << ldif;
  EXPECT_NE(ldif.find("\ncn:: "), std::string::npos);  // the newline made the cn base64
}

TEST(SmtpMailboxAuditTest, RemediationLdifOnAServerWithoutMtaEmitsNoRecordAdWouldRefuse) {
  Org org;
  org.t.servers[1].mta.reset();                      // EXCH02 lost its Microsoft MTA
  org.t.gateways.erase(org.t.gateways.begin() + 3);  // and Mailbox Store (EXCH02) its gateway
  org.GatewayOf(0).delivery_mechanism = "0";         // EXCH01 (with its MTA) stays repairable
  const AuditReport r = org.Audit();
  ASSERT_EQ(r.repairs.size(), 2u);
  const std::string ldif = RenderRemediationLdif(r);
  // EXCH01's repair is LDIF as before; EXCH02's is only described.
  EXPECT_NE(ldif.find("changetype: delete"), std::string::npos) << ldif;
  EXPECT_EQ(ldif.find("homeMTA: CN=Microsoft MTA,CN=EXCH01,"), ldif.rfind("homeMTA: ")) << ldif;
  size_t adds = 0;
  for (size_t p = ldif.find("changetype: add"); p != std::string::npos;
       p = ldif.find("changetype: add", p + 1))
    ++adds;
  EXPECT_EQ(adds, 1u) << ldif;
  EXPECT_EQ(ldif.find("\ndn: CN=SMTP (EXCH02-"), std::string::npos) << ldif;
  EXPECT_NE(ldif.find("# NOT REPAIRABLE YET: server EXCH02 lacks its MTA object CN=Microsoft "
                      "MTA,CN=EXCH02,CN=Servers,CN=First Administrative Group,"),
            std::string::npos)
      << ldif;
  EXPECT_NE(ldif.find("AD refuses a mailGateway without homeMTA"), std::string::npos) << ldif;
  EXPECT_NE(ldif.find("#   add CN=SMTP (EXCH02-" + G(4).ToBracedUpper() + "),CN=Connections,"),
            std::string::npos)
      << ldif;
  // Every line is a comment, blank, or part of a record: nothing an LDIF reader would choke on.
  size_t start = 0;
  bool in_record = false;
  while (start < ldif.size()) {
    const size_t end = ldif.find('\n', start);
    const std::string line = ldif.substr(start, end - start);
    start = end == std::string::npos ? ldif.size() : end + 1;
    if (line.empty()) {
      in_record = false;
      continue;
    }
    if (line[0] == '#') continue;
    if (line.rfind("dn:", 0) == 0) in_record = true;
    EXPECT_TRUE(in_record) << "stray line: " << line;
  }
}

}  // namespace
}  // namespace exdm
