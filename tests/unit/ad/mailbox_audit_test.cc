// The audit rules on in-memory topologies: one fault at a time, each on the right store with the
// right expected value and nothing else reported.
#include "exdm/ad/mailbox_audit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

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
    const GatewayRepair& repair = r.repairs[0];
    if (c.attribute == "cn") {
      // A wrong name: delete + add (the KB's first procedure).
      EXPECT_EQ(repair.delete_dns.size(), 1u);
      ASSERT_TRUE(repair.add);
      EXPECT_EQ(P(repair.add->home_mdb), org.t.stores[0].dn);
      EXPECT_TRUE(repair.modify_dn.empty());
    } else {
      // A wrong value: corrected on the object itself, which keeps its objectGUID.
      EXPECT_TRUE(repair.delete_dns.empty());
      EXPECT_FALSE(repair.add);
      EXPECT_EQ(P(repair.modify_dn), org.GatewayOf(0).dn);
      ASSERT_EQ(repair.replace.size(), 1u);
      EXPECT_EQ(repair.replace[0].first, c.attribute);
      EXPECT_EQ(repair.replace[0].second, f.expected);
    }
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
  org.GatewayOf(1).dn = org.t.ConnectionsDn().Child("CN", "SMTP (EXCH01)");  // renamed: re-added
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

// ---------------------------------------------------------------------------- issue 18 rules

TEST(SmtpMailboxAuditTest, WrongValuesAreCorrectedInPlaceAsOneModifyRecord) {
  Org org;
  org.GatewayOf(0).home_mta = org.t.servers[1].mta->ToString();
  org.GatewayOf(0).delivery_mechanism = "0";
  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), (Strings{"wrong_home_mta", "wrong_delivery_mechanism"}));
  ASSERT_EQ(r.repairs.size(), 1u);
  const std::string ldif = RenderRemediationLdif(r);
  const std::string record =
      "dn: " + org.GatewayOf(0).dn.ToString() +
      "\nchangetype: modify\nreplace: homeMTA\nhomeMTA: " + org.t.servers[0].mta->ToString() +
      "\n-\nreplace: deliveryMechanism\ndeliveryMechanism: 2\n-\n\n";
  EXPECT_NE(ldif.find(record), std::string::npos) << ldif;
  EXPECT_EQ(ldif.find("changetype: delete"), std::string::npos) << ldif;
  EXPECT_EQ(ldif.find("changetype: add"), std::string::npos) << ldif;
  EXPECT_EQ(DescribeRepair(r.repairs[0]),
            "set homeMTA '" + org.t.servers[0].mta->ToString() + "', deliveryMechanism '2' on " +
                org.GatewayOf(0).dn.ToString() + " (changetype modify, in place)");
}

TEST(SmtpMailboxAuditTest, OnlyRecognisableSmtpMailboxesAreDeleted) {
  Org org;
  // Under CN=Connections but no SMTP mailbox: names no store, and no "SMTP (" in cn or DN.
  SmtpGateway other;
  other.dn = org.t.ConnectionsDn().Child("CN", "Legacy Gateway");
  other.home_mdb =
      "CN=Gone,CN=First Storage Group,CN=InformationStore,CN=EXCH01,CN=Servers,"
      "CN=First Administrative Group,CN=Administrative Groups,CN=Contoso,"
      "CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com";
  other.legacy_dn = "/o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Legacy";
  org.t.gateways.push_back(other);
  // An SMTP mailbox of a deleted store: deleted.
  SmtpGateway orphan = org.CorrectGateway(org.t.stores[0]);
  const Guid gone = G(9);
  orphan.dn = org.t.ConnectionsDn().Child("CN", "SMTP (EXCH01-" + gone.ToBracedUpper() + ")");
  orphan.home_mdb.reset();
  orphan.legacy_dn =
      "/o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/cn=SMTP "
      "(EXCH01)/cn=" +
      gone.ToBracedUpper();
  org.t.gateways.push_back(orphan);
  // A second object attributed to a store by homeMDB whose legacyExchangeDN is no SMTP
  // mailbox's: a duplicate, reported, not deleted.
  SmtpGateway twin = org.CorrectGateway(org.t.stores[3]);
  twin.dn = org.t.ConnectionsDn().Child("CN", "SMTP twin");
  twin.legacy_dn = "/o=Contoso/cn=twin";
  org.t.gateways.push_back(twin);

  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), (Strings{"duplicate", "orphan", "orphan"})) << RenderRemediationLdif(r);
  std::set<std::string> deleted, kept;
  for (const GatewayRepair& repair : r.repairs) {
    for (const std::string& dn : repair.delete_dns)
      deleted.insert(P(dn).key());
    for (const std::string& dn : repair.not_deleted)
      kept.insert(P(dn).key());
  }
  EXPECT_EQ(deleted, std::set<std::string>{orphan.dn.key()});
  EXPECT_EQ(kept, (std::set<std::string>{other.dn.key(), twin.dn.key()}));
  for (const Finding& f : r.findings) {
    if (P(f.object_dn) == orphan.dn) continue;
    EXPECT_NE(f.note.find("not deleted: not recognisably an SMTP mailbox"), std::string::npos)
        << f.note;
  }
  const std::string ldif = RenderRemediationLdif(r);
  EXPECT_NE(ldif.find("# NOT DELETED: " + other.dn.ToString()), std::string::npos) << ldif;
  EXPECT_EQ(ldif.find("dn: " + other.dn.ToString()), std::string::npos) << ldif;
  EXPECT_EQ(ldif.find("dn: " + twin.dn.ToString()), std::string::npos) << ldif;
  EXPECT_NE(ldif.find("dn: " + orphan.dn.ToString() + "\nchangetype: delete"), std::string::npos)
      << ldif;
}

TEST(SmtpMailboxAuditTest, RecoveryStorageGroupIsListedNotAudited) {
  Org org;
  org.AddStore(1, "Recovery Storage Group", "Mailbox Store (EXCH01)", StoreType::kMailbox, G(7));
  org.t.storage_groups.back().recovery = "msExchRestore on the storage group";
  // No SMTP mailbox and no system mailbox, by design; a gateway naming it is not an orphan.
  SmtpGateway leftover = org.CorrectGateway(org.t.stores.back());
  leftover.delivery_mechanism = "0";
  org.t.gateways.push_back(leftover);
  AuditReport r = org.Audit();
  EXPECT_TRUE(r.findings.empty()) << DescribeFinding(r.findings.front());
  EXPECT_TRUE(r.repairs.empty());
  EXPECT_EQ(r.stores.size(), 4u);
  ASSERT_EQ(r.recovery_stores.size(), 1u);
  EXPECT_EQ(r.recovery_stores[0].store.ref.Display(),
            "EXCH02 / Recovery Storage Group / Mailbox Store (EXCH01)");
  EXPECT_EQ(r.recovery_stores[0].why, "msExchRestore on the storage group");
  EXPECT_EQ(r.orphans_per_server.at("EXCH02"), 0u);
}

// Two domains: EXCH02 lives in child.contoso.com, which the server asked refers elsewhere.
void MakeForest(Org& org) {
  org.t.view.domains = {
      {P("DC=contoso,DC=com"), "contoso.com", true, ""},
      {P("DC=child,DC=contoso,DC=com"), "child.contoso.com", false,
       "the server refers it to ldap://dc2.child.contoso.com/DC=child,DC=contoso,DC=com"}};
  org.t.servers[0].dns_host = "EXCH01.contoso.com";
  org.t.servers[1].dns_host = "exch02.Child.Contoso.com";
}

TEST(SmtpMailboxAuditTest, SystemMailboxOfAnUnreadableDomainIsNotCheckedNeverMissing) {
  Org org;
  MakeForest(org);
  org.t.system_mailboxes.erase(G(4));  // EXCH02's: in the child domain, unreadable here
  org.t.system_mailboxes.erase(G(3));  // EXCH01's second: in the root domain, readable
  AuditReport r = org.Audit();
  ASSERT_EQ(Kinds(r), Strings{"system_mailbox_missing"});
  EXPECT_EQ(r.findings[0].store.store, "Mailbox Store 2 (EXCH01)");
  EXPECT_EQ(P(r.findings[0].object_dn),
            P("CN=SystemMailbox" + G(3).ToBracedUpper() +
              ",CN=Microsoft Exchange System Objects,DC=contoso,DC=com"));
  EXPECT_EQ(r.findings[0].note,
            "recreate the object, or move the mailboxes to a new store and delete this one (KB "
            "316622); mounting the store does not recreate a missing AD object");
  ASSERT_EQ(r.unchecked_system_mailboxes.size(), 1u);
  EXPECT_EQ(r.unchecked_system_mailboxes[0].store.server, "EXCH02");
  EXPECT_EQ(r.unchecked_system_mailboxes[0].reason,
            "its domain child.contoso.com could not be read here: the server refers it to "
            "ldap://dc2.child.contoso.com/DC=child,DC=contoso,DC=com");

  // A server whose domain is not known: missing only when every domain could be read.
  org.t.servers[1].dns_host.clear();
  r = org.Audit();
  ASSERT_EQ(r.unchecked_system_mailboxes.size(), 1u);
  EXPECT_NE(r.unchecked_system_mailboxes[0].reason.find("the domain of EXCH02 is not known"),
            std::string::npos);
  org.t.view.domains[1].readable = true;
  r = org.Audit();
  EXPECT_TRUE(r.unchecked_system_mailboxes.empty());
  EXPECT_EQ(Kinds(r), (Strings{"system_mailbox_missing", "system_mailbox_missing"}));
}

TEST(SmtpMailboxAuditTest, ViewsThatCouldNotCheckASystemMailboxDoNotDisagree) {
  Org root_dc, child_dc;
  MakeForest(root_dc);
  MakeForest(child_dc);
  std::swap(child_dc.t.view.domains[0].readable, child_dc.t.view.domains[1].readable);
  // EXCH02's system mailbox is missing: the child DC sees that, the root DC cannot look.
  root_dc.t.system_mailboxes.erase(G(4));
  child_dc.t.system_mailboxes.erase(G(4));
  child_dc.t.system_mailboxes.erase(G(1));  // EXCH01's live in the root domain: not visible
  child_dc.t.system_mailboxes.erase(G(3));
  std::vector<AuditView> views;
  views.push_back({"ldap://dc1", root_dc.Audit()});
  views.push_back({"ldap://dc2", child_dc.Audit()});
  ASSERT_EQ(views[0].report->unchecked_system_mailboxes.size(), 1u);
  ASSERT_EQ(views[1].report->unchecked_system_mailboxes.size(), 2u);  // EXCH01's stores
  const AuditReport combined = CombineViews(std::move(views));
  ASSERT_EQ(Kinds(combined), Strings{"system_mailbox_missing"});
  EXPECT_EQ(combined.findings[0].seen_on, Strings{"ldap://dc2"});
  EXPECT_TRUE(combined.unchecked_system_mailboxes.empty());
  ASSERT_EQ(combined.sources.size(), 2u);
  EXPECT_TRUE(combined.sources[1].view.domains[1].readable);

  // Checked nowhere: still "not checked", with each view's reason.
  Org only_root;
  MakeForest(only_root);
  only_root.t.system_mailboxes.erase(G(4));
  std::vector<AuditView> two_roots;
  two_roots.push_back({"ldap://dc1", only_root.Audit()});
  two_roots.push_back({"ldap://dc3", only_root.Audit()});
  const AuditReport both = CombineViews(std::move(two_roots));
  EXPECT_TRUE(both.findings.empty());
  ASSERT_EQ(both.unchecked_system_mailboxes.size(), 1u);
  EXPECT_EQ(both.unchecked_system_mailboxes[0].reason.rfind("on ldap://dc1: its domain", 0), 0u);
  EXPECT_NE(both.unchecked_system_mailboxes[0].reason.find("; on ldap://dc3: "), std::string::npos);
}

TEST(SmtpMailboxAuditTest, AGatewayWhoseStoreOnlyOneViewLacksIsDcDisagreeNotAnOrphan) {
  Org has_it, lacks_it;
  // dc2 has not yet replicated Mailbox Store 2 (EXCH01): its gateway looks like an orphan there.
  lacks_it.t.stores.erase(lacks_it.t.stores.begin() + 2);
  std::vector<AuditView> views;
  views.push_back({"ldap://dc2", lacks_it.Audit()});  // first view: the repairs come from it
  views.push_back({"ldap://dc1", has_it.Audit()});
  ASSERT_EQ(Kinds(*views[0].report), Strings{"orphan"});
  ASSERT_EQ(views[0].report->repairs.size(), 1u);
  const AuditReport combined = CombineViews(std::move(views));
  EXPECT_EQ(Kinds(combined), (Strings{"dc_disagree", "dc_disagree"}));
  for (const Finding& f : combined.findings)
    EXPECT_EQ(f.store.store, "Mailbox Store 2 (EXCH01)") << DescribeFinding(f);
  EXPECT_TRUE(combined.repairs.empty()) << RenderRemediationLdif(combined);
  EXPECT_EQ(combined.orphans_per_server.at("EXCH01"), 0u);
  const std::string ldif = RenderRemediationLdif(combined);
  EXPECT_EQ(ldif.find("changetype: delete"), std::string::npos) << ldif;
  bool gateway_line = false;
  for (const Finding& f : combined.findings) {
    if (P(f.object_dn) != has_it.GatewayOf(2).dn) continue;
    gateway_line = true;
    EXPECT_NE(f.note.find("an orphan only on ldap://dc2, which lack its store; the store exists "
                          "on ldap://dc1 (replication not finished): not deleted"),
              std::string::npos)
        << f.note;
  }
  EXPECT_TRUE(gateway_line);
}

TEST(SmtpMailboxAuditTest, ServersWithMessageTrackingOffAreListed) {
  Org org;
  org.t.servers[0].message_tracking = true;
  org.t.servers[1].message_tracking = false;
  AuditReport r = org.Audit();
  EXPECT_EQ(r.tracking_disabled, Strings{"EXCH02"});
  org.t.servers[1].message_tracking.reset();  // not set: not known to be off
  EXPECT_TRUE(org.Audit().tracking_disabled.empty());
}

TEST(SmtpMailboxAuditTest, RepairLdifNamesAWritableDomainController) {
  Org org;
  org.GatewayOf(0).delivery_mechanism = "0";
  AuditReport report = org.Audit();
  std::vector<AuditView> gc_only;
  gc_only.push_back({"ldaps://gc1.contoso.com:3269", report});
  AuditReport r = CombineViews(std::move(gc_only));
  EXPECT_EQ(RepairTargetUri(r), "ldaps://gc1.contoso.com:636");
  EXPECT_NE(RenderRemediationLdif(r).find("#   ldapmodify -H ldaps://gc1.contoso.com:636 "),
            std::string::npos);
  std::vector<AuditView> with_dc;
  with_dc.push_back({"ldap://gc1.contoso.com:3268", report});
  with_dc.push_back({"ldap://dc1.contoso.com", report});
  EXPECT_EQ(RepairTargetUri(CombineViews(std::move(with_dc))), "ldap://dc1.contoso.com");
  // A server on another port that answered as a global catalog is no place for writes either.
  AuditReport gc_view = report;
  gc_view.view.global_catalog = true;
  std::vector<AuditView> odd_ports;
  odd_ports.push_back({"ldap://127.0.0.1:40001", gc_view});
  odd_ports.push_back({"ldap://127.0.0.1:40002", report});
  EXPECT_EQ(RepairTargetUri(CombineViews(std::move(odd_ports))), "ldap://127.0.0.1:40002");
  std::vector<AuditView> gc_on_odd_port;
  gc_on_odd_port.push_back({"ldap://127.0.0.1:40001", gc_view});
  EXPECT_EQ(RepairTargetUri(CombineViews(std::move(gc_on_odd_port))), "ldap://127.0.0.1:389");
}

}  // namespace
}  // namespace exdm
