// The SMTP mailbox audit against a real Active Directory implementation (Samba AD DC): AD assigns
// the objectGUIDs, faults are made the way they happen in AD (stores and MTAs deleted, leaving
// vanished linked values and tombstone DNs), and the product must find exactly what was planted,
// print a repair AD accepts, and read everything through AD's paging and TLS.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "exdm/ad/dn.h"
#include "exdm/ad/ldap_audit.h"
#include "exdm/ad/ldap_client.h"
#include "exdm/base/deadline.h"
#include "exdm/base/guid.h"
#include "ldif_reader.h"
#include "org_fixture.h"
#include "paths.h"
#include "process.h"
#include "samba_fixture.h"
#include "samba_org_loader.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

std::string Key(const std::string& finding, const std::string& server, const std::string& sg,
                const std::string& store, const std::string& object_dn) {
  auto dn = Dn::Parse(object_dn);
  return finding + " | " + server + " / " + sg + " / " + store + " | " +
         (dn.ok() ? dn->key() : object_dn);
}

std::string RefusedText(const AdOrganization& org) {
  std::string out;
  for (const auto& r : org.refused)
    out += r + "\n";
  return out;
}

// True when AD refused to add `dn` (the loader lists "DN: reason").
bool Refused(const AdOrganization& org, const std::string& dn) {
  auto key = Dn::Parse(dn);
  for (const auto& r : org.refused) {
    auto refused = Dn::Parse(r.substr(0, r.find(": ")));
    if (key.ok() && refused.ok() && *key == *refused) return true;
  }
  return false;
}

// The manifest's planted faults, under AD's GUIDs, minus those whose object AD refused to create.
std::set<std::string> ExpectedFindings(const nlohmann::ordered_json& manifest,
                                       const AdOrganization& org) {
  std::set<std::string> out;
  for (const auto& f : manifest["faults"]) {
    if (Refused(org, org.Rewrite(f["object_dn"].get<std::string>()))) continue;
    out.insert(Key(f["finding"].get<std::string>(), f["server"].get<std::string>(),
                   f["storage_group"].get<std::string>(), f["store"].get<std::string>(),
                   org.Rewrite(f["object_dn"].get<std::string>())));
  }
  return out;
}

std::set<std::string> ActualFindings(const AuditReport& report) {
  std::set<std::string> out;
  for (const Finding& f : report.findings) {
    out.insert(Key(std::string(FindingName(f.kind)), f.store.server, f.store.storage_group,
                   f.store.store, f.object_dn));
  }
  return out;
}

// The core audit as the check runs it, bound as the ordinary monitoring user; no -b: the
// configuration naming context comes from AD's root DSE.
AuditReport Audit(const SambaDc& dc, const std::string& uri, const std::string& ca_file = "") {
  LdapAuditRequest request;
  request.uris = {uri};
  request.connection.bind_dn = SambaDc::monitor_dn();
  std::string warning;
  auto password = ReadPasswordFile(dc.monitor_password_file(), &warning,
                                   Deadline::After(std::chrono::seconds(10)));
  EXPECT_TRUE(password.ok()) << password.status().message();
  if (password.ok()) request.connection.password = password.value();
  request.connection.ca_file = ca_file;
  return AuditOverLdap(request, Deadline::After(std::chrono::seconds(60)));
}

std::string Describe(const AuditReport& report) {
  std::string out;
  for (const auto& s : report.sources) {
    out += s.uri + (s.up ? " up\n" : " down: " + s.error->message() + "\n");
  }
  for (const Finding& f : report.findings) {
    out += std::string(FindingName(f.kind)) + " " + f.store.Display() + " " + f.object_dn + " [" +
           f.attribute + "] actual=" + f.actual + " note=" + f.note + "\n";
  }
  return out;
}

struct LoadedDc {
  std::unique_ptr<SambaDc> dc;
  std::optional<GeneratedOrg> org;
  AdOrganization ad;
};

// A DC holding the sample organization `name`, loaded the AD way.
void StartWithOrg(const std::vector<std::string>& generator_args, const TempDir& tmp,
                  LoadedDc* out) {
  out->dc = SambaDc::Start();
  ASSERT_TRUE(out->dc);
  out->org = GenerateOrg(generator_args, tmp.path());
  ASSERT_TRUE(out->org);
  ASSERT_TRUE(LoadOrganization(*out->dc, out->org->ldif_path, &out->ad));
  std::printf("loaded %zu entries in %.1fs (%zu stand-ins deleted); DC started in %.2fs\n",
              out->ad.added, out->ad.seconds, out->ad.stand_ins.size(), out->dc->start_seconds());
}

// A description of one server, EXCH01, with one storage group holding `store`.
nlohmann::ordered_json OneStoreOrg(const nlohmann::ordered_json& store) {
  return {{"organization", "Contoso"},
          {"domain", "contoso.com"},
          {"admin_groups",
           {{{"name", "First Administrative Group"},
             {"servers",
              {{{"name", "EXCH01"},
                {"storage_groups", {{{"name", "First Storage Group"}, {"stores", {store}}}}}}}}}}}};
}

TEST(SambaAudit, LoaderMakesFaultsTheWayAdDoes) {
  REQUIRE_SAMBA();
  TempDir tmp;
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({SampleOrg("all-faults")}, tmp, &loaded));
  const SambaDc& dc = *loaded.dc;
  // AD lets only replication make a "\0ACNF:" name (a collision between two DCs); a client's
  // add is refused. Everything else loads.
  ASSERT_EQ(loaded.ad.refused.size(), 1u) << RefusedText(loaded.ad);
  EXPECT_NE(loaded.ad.refused[0].find("\\0ACNF:"), std::string::npos) << RefusedText(loaded.ad);
  // Every store got a GUID from AD, different from the generator's.
  const auto& stores = loaded.org->manifest["stores"];
  EXPECT_EQ(loaded.ad.store_guids.size(), stores.size());
  for (const auto& [generated, assigned] : loaded.ad.store_guids)
    EXPECT_NE(generated, assigned);

  // EXCH03 "has no MTA": its MTA existed and was deleted, so homeMTA values name the tombstone.
  for (const auto& s : stores) {
    if (s["server"] != "EXCH03") continue;
    const std::string gateway = loaded.ad.Rewrite(s["expected_gateway"]["dn"].get<std::string>());
    ProcessResult r = dc.Search(gateway, "base", "(objectClass=*)", {"homeMTA", "homeMDB"});
    EXPECT_NE(r.output.find("homeMTA: CN=Microsoft MTA\\0ADEL:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("homeMDB: " + s["dn"].get<std::string>()), std::string::npos)
        << r.output;
  }
  // The stand-ins are gone; AD maintains the back links the generator also wrote.
  for (const std::string& dn : loaded.ad.stand_ins) {
    ProcessResult r = dc.Search(dn, "base", "(objectClass=*)", {"1.1"});
    EXPECT_EQ(r.exit_code, 32) << dn << " still exists:\n" << r.output;
  }
}

TEST(SambaAudit, FindsExactlyThePlantedFaultsOfAMixedOrganization) {
  REQUIRE_SAMBA();
  TempDir tmp;
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({SampleOrg("all-faults")}, tmp, &loaded));
  ASSERT_EQ(loaded.ad.refused.size(), 1u) << RefusedText(loaded.ad);  // the \0ACNF: duplicate
  const SambaDc& dc = *loaded.dc;

  AuditReport report = Audit(dc, dc.uri());
  ASSERT_EQ(report.sources.size(), 1u);
  ASSERT_TRUE(report.sources[0].up) << Describe(report);
  EXPECT_EQ(ActualFindings(report), ExpectedFindings(loaded.org->manifest, loaded.ad))
      << Describe(report);
  // Every SMTP mailbox of the manifest but the \0ACNF: one AD refused.
  EXPECT_EQ(report.gateways, loaded.org->manifest["gateway_count"].get<size_t>() - 1);
  // The stores are the ones AD holds, under the GUIDs AD assigned.
  std::set<std::string> expected_stores, actual_stores;
  for (const auto& s : loaded.org->manifest["stores"]) {
    expected_stores.insert(s["store"].get<std::string>() + " " +
                           loaded.ad.Rewrite(s["guid"].get<std::string>()));
  }
  for (const StoreInfo& s : report.stores)
    actual_stores.insert(s.ref.store + " " + s.guid);
  EXPECT_EQ(actual_stores, expected_stores);
}

TEST(SambaAudit, ReportsTombstonedReferencesAsDanglingAndVanishedLinksAsOrphans) {
  REQUIRE_SAMBA();
  TempDir tmp;
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({SampleOrg("healthy")}, tmp, &loaded));
  const SambaDc& dc = *loaded.dc;
  AuditReport before = Audit(dc, dc.uri());
  ASSERT_TRUE(before.findings.empty()) << Describe(before);
  ASSERT_GE(before.stores.size(), 2u);

  // Delete one store (its gateway's linked homeMDB vanishes), and delete and re-create the MTA
  // of another store's server (its gateways keep naming the old MTA's tombstone).
  const StoreInfo deleted = before.stores[0];
  auto other = std::find_if(before.stores.begin(), before.stores.end(),
                            [&](const StoreInfo& s) { return s.ref.server != deleted.ref.server; });
  ASSERT_NE(other, before.stores.end()) << "the healthy sample needs two servers";
  const std::string server_dn = Dn::Parse(other->dn)->Parent().Parent().Parent().ToString();
  const std::string mta = "CN=Microsoft MTA," + server_dn;
  ASSERT_TRUE(dc.Delete(deleted.dn));
  ASSERT_TRUE(dc.Delete(mta));
  { std::ofstream(tmp.File("mta.ldif")) << "dn: " << mta << "\nobjectClass: mTA\n"; }
  ASSERT_TRUE(dc.Add(tmp.File("mta.ldif")));

  AuditReport after = Audit(dc, dc.uri());
  ASSERT_TRUE(after.sources[0].up) << Describe(after);
  size_t orphans = 0, dangling = 0;
  std::set<std::string> servers_with_dangling;
  for (const Finding& f : after.findings) {
    if (f.kind == FindingKind::kOrphan) {
      ++orphans;
      EXPECT_EQ(f.store_guid, deleted.guid) << Describe(after);
      EXPECT_EQ(f.actual, "") << "the linked homeMDB must be gone: " << Describe(after);
      EXPECT_EQ(f.store.server, deleted.ref.server);
    } else if (f.kind == FindingKind::kWrongHomeMta) {
      ++dangling;
      servers_with_dangling.insert(f.store.server);
      EXPECT_NE(f.actual.find("DEL:"), std::string::npos) << f.actual;
      EXPECT_EQ(f.note, "dangling: points at a deleted object");
      EXPECT_EQ(Dn::Parse(f.expected)->key(), Dn::Parse(mta)->key());
    } else {
      ADD_FAILURE() << "unexpected finding: " << Describe(after);
    }
  }
  EXPECT_EQ(orphans, 1u);
  EXPECT_EQ(servers_with_dangling, std::set<std::string>{other->ref.server});
  size_t stores_on_server = 0;
  for (const StoreInfo& s : after.stores)
    stores_on_server += s.ref.server == other->ref.server;
  EXPECT_EQ(dangling, stores_on_server) << "one dangling homeMTA per gateway of that server";
}

// The check binary end to end: remediation LDIF that AD accepts as it is, then a second audit
// that finds only what LDIF cannot repair.
TEST(SambaAudit, RemediationLdifIsAcceptedByAdAndLeavesOnlyWhatLdifCannotFix) {
  REQUIRE_SAMBA();
  TempDir tmp;
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({SampleOrg("all-faults")}, tmp, &loaded));
  const SambaDc& dc = *loaded.dc;
  const std::string ldif = tmp.File("repair.ldif");
  ProcessResult check =
      RunProcess({CheckBinary(), "mailbox", "-H", dc.uri(), "-D", SambaDc::monitor_dn(),
                  "--password-file", dc.monitor_password_file(), "--remediation-ldif", ldif});
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_EQ(check.output.rfind("EXCHANGE DELIVERY CRITICAL - ", 0), 0u) << check.output;
  std::ifstream in(ldif);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().find("\nobjectGUID:"), std::string::npos) << text.str();
  // Wrong values are corrected on the existing objects (changetype modify): AD keeps their
  // objectGUID, the identity the store knows its SMTP mailbox by.
  std::map<std::string, std::string> guid_before;  // modified DN -> objectGUID
  const std::string all = text.str();
  for (size_t at = all.find("\nchangetype: modify\n"); at != std::string::npos;
       at = all.find("\nchangetype: modify\n", at + 1)) {
    const size_t dn_start = all.rfind("\ndn: ", at) + 5;
    const std::string dn = all.substr(dn_start, at - dn_start);
    guid_before[dn] = dc.Search(dn, "base", "(objectClass=*)", {"objectGUID"}).output;
  }
  // One modify per SMTP mailbox with wrong values only (the manifest's attribute-only faults).
  std::set<std::string> valued;
  for (const auto& f : loaded.org->manifest["faults"]) {
    const std::string finding = f["finding"];
    if (finding == "wrong_home_mdb" || finding == "wrong_home_mta" ||
        finding == "wrong_delivery_mechanism" || finding == "wrong_legacy_dn") {
      valued.insert(Dn::Parse(loaded.ad.Rewrite(f["object_dn"].get<std::string>()))->key());
    }
  }
  ASSERT_GE(valued.size(), 5u);
  EXPECT_EQ(guid_before.size(), valued.size()) << all;

  ProcessResult applied = dc.AsAdmin("ldapmodify", {"-f", ldif});
  ASSERT_TRUE(applied.ok()) << "AD refused the remediation LDIF:\n"
                            << applied.output << "\n---\n"
                            << text.str();
  for (const auto& [dn, before] : guid_before) {
    EXPECT_NE(before.find("objectGUID:: "), std::string::npos) << dn << ": " << before;
    EXPECT_EQ(dc.Search(dn, "base", "(objectClass=*)", {"objectGUID"}).output, before) << dn;
  }

  AuditReport after = Audit(dc, dc.uri());
  ASSERT_TRUE(after.sources[0].up) << Describe(after);
  std::set<std::string> remaining;
  for (const Finding& f : after.findings)
    remaining.insert(std::string(FindingName(f.kind)) + " " + f.store.store);
  // A missing system mailbox's AD object is recreated by hand or left behind by moving the
  // mailboxes to a new store (KB 316622; a mount does not recreate it), the MTA when the server's
  // services are reinstalled: neither is an LDIF repair.
  std::set<std::string> expected;
  for (const auto& f : loaded.org->manifest["faults"]) {
    const std::string finding = f["finding"];
    if (finding == "system_mailbox_missing" || finding == "mta_missing") {
      expected.insert(finding + " " + f["store"].get<std::string>());
    }
  }
  EXPECT_EQ(remaining, expected) << Describe(after);
  EXPECT_EQ(after.gateways, after.stores.size());
}

TEST(SambaAudit, LdapsAgainstSambaIsRefusedByDefaultAndAcceptedWithItsCa) {
  REQUIRE_SAMBA();
  TempDir tmp;
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({SampleOrg("healthy")}, tmp, &loaded));
  const SambaDc& dc = *loaded.dc;
  std::vector<std::string> argv = {CheckBinary(),
                                   "mailbox",
                                   "-H",
                                   dc.ldaps_uri(),
                                   "-D",
                                   SambaDc::monitor_dn(),
                                   "--password-file",
                                   dc.monitor_password_file()};
  ProcessResult refused = RunProcess(argv);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;  // unreachable -> CRITICAL by default
  EXPECT_NE(refused.output.find(dc.ldaps_uri()), std::string::npos) << refused.output;

  argv.insert(argv.end(), {"--ca-file", dc.ca_file()});
  ProcessResult accepted = RunProcess(argv);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.output;
  EXPECT_EQ(accepted.output.rfind("EXCHANGE DELIVERY OK - ", 0), 0u) << accepted.output;
}

// AD hands out at most MaxPageSize (1000) entries per page: more than a thousand SMTP mailboxes
// must come back complete through paging. Orphans keep the load small (one entry per gateway).
TEST(SambaAudit, PagedSearchReturnsMoreThanAThousandGateways) {
  REQUIRE_SAMBA();
  TempDir tmp;
  nlohmann::ordered_json org = OneStoreOrg({{"name", "Mailbox Store (EXCH01)"}, {"users", 0}});
  org["orphan_gateways"] = {{{"server", "EXCH01"}, {"count", 1050}}};
  std::ofstream(tmp.File("many.json")) << org.dump();
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({tmp.File("many.json")}, tmp, &loaded));
  ASSERT_TRUE(loaded.ad.refused.empty()) << RefusedText(loaded.ad);
  const SambaDc& dc = *loaded.dc;
  AuditReport report = Audit(dc, dc.uri());
  ASSERT_TRUE(report.sources[0].up) << Describe(report);
  EXPECT_EQ(report.gateways, 1051u);
  EXPECT_EQ(report.orphans_per_server["EXCH01"], 1050u);
  EXPECT_EQ(report.findings.size(), 1050u);
}

// What a recipient -> store correlator (stalled recipients to stores, not in the product yet:
// Diagnose() takes the map as input) will read from AD: users found by proxyAddresses, matched
// case-insensitively whatever the "SMTP:"/"smtp:" prefix case, carrying homeMDB; the linked
// homeMDB vanishes from every user when their store is deleted.
TEST(SambaAudit, UsersResolveToStoresThroughProxyAddressesAndHomeMdb) {
  REQUIRE_SAMBA();
  TempDir tmp;
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({SampleOrg("healthy")}, tmp, &loaded));
  const SambaDc& dc = *loaded.dc;
  std::map<std::string, std::string> store_dn;  // AD guid -> store DN
  for (const auto& s : loaded.org->manifest["stores"])
    store_dn[loaded.ad.Rewrite(s["guid"].get<std::string>())] = s["dn"].get<std::string>();
  const auto& users = loaded.org->manifest["users"];
  ASSERT_FALSE(users.empty());
  std::string deleted_store;
  std::vector<std::string> users_of_deleted;
  for (const auto& u : users) {
    const std::string mail = u["mail"].get<std::string>();
    std::string upper = mail;
    for (char& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ProcessResult r =
        dc.Search(SambaDc::domain_dn(), "sub", "(proxyAddresses=smtp:" + upper + ")", {"homeMDB"});
    ASSERT_TRUE(r.ok()) << r.output;
    auto entries = ParseLdif(r.output);
    ASSERT_EQ(entries.size(), 1u) << mail << ":\n" << r.output;
    EXPECT_EQ(Dn::Parse(entries[0].dn)->key(), Dn::Parse(u["dn"].get<std::string>())->key());
    const std::string expected = store_dn[loaded.ad.Rewrite(u["store_guid"].get<std::string>())];
    EXPECT_EQ(Dn::Parse(entries[0].Value("homeMDB"))->key(), Dn::Parse(expected)->key()) << mail;
    if (deleted_store.empty()) deleted_store = expected;
    if (expected == deleted_store) users_of_deleted.push_back(u["dn"].get<std::string>());
  }
  ASSERT_TRUE(dc.Delete(deleted_store));
  for (const std::string& user : users_of_deleted) {
    ProcessResult r = dc.Search(user, "base", "(objectClass=*)", {"homeMDB", "proxyAddresses"});
    EXPECT_EQ(r.output.find("homeMDB:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("proxyAddresses: SMTP:"), std::string::npos) << r.output;
  }
}

// AD hands out at most MaxValRange values of a multi-valued attribute per read; a store's
// homeMDBBL lists every mailbox on it. Past 1500 the values come in ranges, and a system mailbox
// outside its container is still found among them.
TEST(SambaAudit, BackLinksPastMaxValRangeAreReadInRanges) {
  REQUIRE_SAMBA();
  TempDir tmp;
  nlohmann::ordered_json org = OneStoreOrg({{"name", "Mailbox Store (EXCH01)"},
                                            {"users", 1600},
                                            {"faults", {"system_mailbox_missing"}}});
  std::ofstream(tmp.File("big.json")) << org.dump();
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({tmp.File("big.json")}, tmp, &loaded));
  ASSERT_TRUE(loaded.ad.refused.empty()) << RefusedText(loaded.ad);
  const SambaDc& dc = *loaded.dc;
  const auto& manifest_store = loaded.org->manifest["stores"][0];
  const std::string store_dn = manifest_store["dn"].get<std::string>();
  const std::string guid =
      Guid::Parse(loaded.ad.Rewrite(manifest_store["guid"].get<std::string>()))->ToBracedUpper();

  AuditReport before = Audit(dc, dc.uri());
  ASSERT_EQ(before.findings.size(), 1u) << Describe(before);
  ASSERT_EQ(before.findings[0].kind, FindingKind::kSystemMailboxMissing) << Describe(before);

  // The system mailbox, but in CN=Users, where the name search does not look.
  const std::string moved = "CN=SystemMailbox" + guid + ",CN=Users," + SambaDc::domain_dn();
  std::ofstream(tmp.File("moved.ldif"))
      << "dn: " << moved << "\nobjectClass: top\nobjectClass: msExchSystemMailbox\n"
      << "homeMDB: " << store_dn << "\n";
  ASSERT_TRUE(dc.Add(tmp.File("moved.ldif")));

  LdapConnectOptions options;
  options.uri = dc.uri();
  options.bind_dn = SambaDc::monitor_dn();
  std::string warning;
  const Deadline deadline = Deadline::After(std::chrono::seconds(60));
  options.password = *ReadPasswordFile(dc.monitor_password_file(), &warning, deadline);
  auto c = LdapConnection::Open(options, deadline);
  ASSERT_TRUE(c.ok()) << c.status().message();
  // 1600 users, the SMTP mailbox and the moved system mailbox, read 1000 at a time.
  auto values = (*c)->ReadAllValues(store_dn, "homeMDBBL", deadline, 1000);
  ASSERT_TRUE(values.ok()) << values.status().message();
  EXPECT_EQ(values->size(), 1602u);
  EXPECT_EQ(std::set<std::string>(values->begin(), values->end()).size(), 1602u);
  // As the server hands them out (AD: 1500 per read) the same values come back.
  auto all = (*c)->ReadAllValues(store_dn, "homeMDBBL", deadline);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(std::set<std::string>(all->begin(), all->end()),
            std::set<std::string>(values->begin(), values->end()));

  LdapAuditRequest request;
  request.uris = {dc.uri()};
  request.connection = options;
  request.discovery.back_link_window = 1000;
  const AuditReport after = AuditOverLdap(request, deadline);
  ASSERT_TRUE(after.sources[0].up) << Describe(after);
  EXPECT_TRUE(after.findings.empty()) << Describe(after);
}

// Recovery storage groups as AD holds their markers (msExchRestore a Boolean, msExchOrigMDB a DN)
// are listed, not audited; a server object saying messageTrackingEnabled FALSE is reported.
TEST(SambaAudit, RecoveryStorageGroupsAndMessageTrackingAsAdHoldsThem) {
  REQUIRE_SAMBA();
  TempDir tmp;
  auto store = [](const char* name) {
    return nlohmann::ordered_json{{"name", name}, {"users", 0}};
  };
  nlohmann::ordered_json org = {
      {"organization", "Contoso"},
      {"domain", "contoso.com"},
      {"admin_groups",
       {{{"name", "First Administrative Group"},
         {"servers",
          {{{"name", "EXCH01"},
            {"message_tracking", false},
            {"storage_groups",
             {{{"name", "First Storage Group"}, {"stores", {store("Mailbox Store (EXCH01)")}}},
              {{"name", "RSG"},
               {"recovery", "restore"},
               {"stores", {store("Mailbox Store (EXCH01)")}}},
              {{"name", "Restored"},
               {"recovery", "orig_mdb"},
               {"stores", {store("Mailbox Store (EXCH01)")}}}}}},
           {{"name", "EXCH02"},
            {"message_tracking", true},
            {"storage_groups",
             {{{"name", "First Storage Group"},
               {"stores", {store("Mailbox Store (EXCH02)")}}}}}}}}}}}};
  std::ofstream(tmp.File("rsg.json")) << org.dump();
  LoadedDc loaded;
  ASSERT_NO_FATAL_FAILURE(StartWithOrg({tmp.File("rsg.json")}, tmp, &loaded));
  ASSERT_TRUE(loaded.ad.refused.empty()) << RefusedText(loaded.ad);
  const AuditReport r = Audit(*loaded.dc, loaded.dc->uri());
  ASSERT_TRUE(r.sources[0].up) << Describe(r);
  EXPECT_TRUE(r.findings.empty()) << Describe(r);
  std::map<std::string, std::string> listed;
  for (const RecoveryStore& s : r.recovery_stores)
    listed[s.store.ref.storage_group] = s.why;
  EXPECT_EQ(listed, (std::map<std::string, std::string>{
                        {"RSG", "msExchRestore on the storage group"},
                        {"Restored", "msExchOrigMDB on Mailbox Store (EXCH01)"}}));
  EXPECT_EQ(r.stores.size(), 2u);
  EXPECT_EQ(r.tracking_disabled, std::vector<std::string>{"EXCH01"});
}

}  // namespace
}  // namespace exdm::testing
