// A forest of two domains (tests/fixtures/orgs/forest.json) played by three slapd servers
// (tests/support/forest_fixture.h): a global catalog, a DC of the root domain that refers the
// child domain elsewhere, a DC of the child domain. Each view finds every system mailbox it can
// read, says "not checked" (never missing) for the others, and two DCs of different domains
// together check everything without disagreeing; recovery storage groups are listed, not audited;
// the repair LDIF names a writable DC.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "exdm/ad/dn.h"
#include "exdm/ad/ldap_audit.h"
#include "exdm/base/text_util.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "forest_fixture.h"
#include "org_fixture.h"
#include "paths.h"
#include "run_program.h"
#include "temp_dir.h"
#include "tracking_rows.h"

namespace exdm::testing {
namespace {

using Json = nlohmann::ordered_json;
using Strings = std::set<std::string>;

class ForestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { forest_ = Forest::Start(SampleOrg("forest")).release(); }
  static void TearDownTestSuite() {
    delete forest_;
    forest_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(forest_) << "the forest did not start"; }

  static AuditReport Audit(const std::vector<const Slapd*>& servers) {
    LdapAuditRequest request;
    for (const Slapd* s : servers)
      request.uris.push_back(s->uri());
    request.connection.bind_dn = forest_->monitor_dn();
    std::getline(std::ifstream(forest_->monitor_password_file()), request.connection.password);
    return AuditOverLdap(request, Deadline::After(std::chrono::seconds(30)));
  }

  static ProgramResult Check(const std::vector<const Slapd*>& servers,
                             std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CheckBinary(), "mailbox"};
    for (const Slapd* s : servers)
      argv.insert(argv.end(), {"-H", s->uri()});
    argv.insert(argv.end(), {"-D", forest_->monitor_dn(), "--password-file",
                             forest_->monitor_password_file(), "-t", "30"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv);
  }

  // "finding store" for every finding; "store" for every system mailbox not checked.
  static Strings Findings(const AuditReport& r) {
    Strings out;
    for (const Finding& f : r.findings)
      out.insert(std::string(FindingName(f.kind)) + " " + f.store.Display());
    return out;
  }
  static Strings Unchecked(const AuditReport& r) {
    Strings out;
    for (const UncheckedSystemMailbox& u : r.unchecked_system_mailboxes)
      out.insert(u.store.Display());
    return out;
  }
  static std::string Describe(const AuditReport& r) {
    std::string out;
    for (const auto& s : r.sources)
      out += s.uri + (s.up ? " up\n" : " down: " + s.error->message() + "\n");
    for (const Finding& f : r.findings)
      out += std::string(FindingName(f.kind)) + " " + f.store.Display() + ": " +
             DescribeFinding(f) + "\n";
    for (const auto& u : r.unchecked_system_mailboxes)
      out += "not checked " + u.store.Display() + ": " + u.reason + "\n";
    return out;
  }

  // The manifest's planted faults, as Findings() spells them.
  static Strings Planted() {
    Strings out;
    for (const auto& f : forest_->org->manifest["faults"]) {
      out.insert(f["finding"].get<std::string>() + " " + f["server"].get<std::string>() + " / " +
                 f["storage_group"].get<std::string>() + " / " + f["store"].get<std::string>());
    }
    return out;
  }

  static Forest* forest_;
};
Forest* ForestTest::forest_ = nullptr;

const char kStore2Exch01[] = "EXCH01 / First Storage Group / Mailbox Store 2 (EXCH01)";
const char kStore2Exch02[] = "EXCH02 / First Storage Group / Mailbox Store 2 (EXCH02)";
const char kStoreExch01[] = "EXCH01 / First Storage Group / Mailbox Store (EXCH01)";
const char kStoreExch02[] = "EXCH02 / First Storage Group / Mailbox Store (EXCH02)";
const char kStoreExch03[] = "EXCH03 / First Storage Group / Mailbox Store (EXCH03)";

TEST_F(ForestTest, GlobalCatalogFindsEverySystemMailboxFromTheEmptyBase) {
  const AuditReport r = Audit({forest_->gc.get()});
  ASSERT_TRUE(r.sources[0].up) << Describe(r);
  EXPECT_EQ(Findings(r), Planted()) << Describe(r);
  EXPECT_TRUE(r.unchecked_system_mailboxes.empty()) << Describe(r);
  EXPECT_TRUE(r.sources[0].view.global_catalog);
  ASSERT_EQ(r.sources[0].view.domains.size(), 2u);
  for (const DirectoryDomain& d : r.sources[0].view.domains)
    EXPECT_TRUE(d.readable) << d.dns_root << ": " << d.why_not;
  // The child domain's missing system mailbox is named where it belongs.
  for (const Finding& f : r.findings) {
    if (f.store.Display() != kStore2Exch02) continue;
    EXPECT_NE(f.object_dn.find(",CN=Microsoft Exchange System Objects,DC=child,DC=contoso,DC=com"),
              std::string::npos)
        << f.object_dn;
  }
}

TEST_F(ForestTest, RootDomainControllerSaysNotCheckedForTheChildDomainNeverMissing) {
  const AuditReport r = Audit({forest_->root_dc.get()});
  ASSERT_TRUE(r.sources[0].up) << Describe(r);
  EXPECT_FALSE(r.sources[0].view.global_catalog);
  Strings expected = Planted();
  expected.erase(std::string("system_mailbox_missing ") + kStore2Exch02);
  EXPECT_EQ(Findings(r), expected) << Describe(r);
  EXPECT_EQ(Unchecked(r), (Strings{kStoreExch02, kStore2Exch02, kStoreExch03})) << Describe(r);
  for (const auto& u : r.unchecked_system_mailboxes) {
    // The referral slapd returns: the subordinate reference's URL with the search base.
    EXPECT_EQ(u.reason.rfind("its domain child.contoso.com could not be read here: the server "
                             "refers it to ldap://dc2.child.contoso.com/",
                             0),
              0u)
        << u.reason;
  }
}

TEST_F(ForestTest, ChildDomainControllerChecksItsOwnDomain) {
  const AuditReport r = Audit({forest_->child_dc.get()});
  ASSERT_TRUE(r.sources[0].up) << Describe(r);
  Strings expected = Planted();
  expected.erase(std::string("system_mailbox_missing ") + kStore2Exch01);
  EXPECT_EQ(Findings(r), expected) << Describe(r);
  EXPECT_EQ(Unchecked(r), (Strings{kStoreExch01, kStore2Exch01})) << Describe(r);
  for (const auto& u : r.unchecked_system_mailboxes) {
    EXPECT_NE(u.reason.find("its domain contoso.com could not be read here: the server refers it "
                            "to ldap://dc1.contoso.com/"),
              std::string::npos)
        << u.reason;
  }
}

TEST_F(ForestTest, DomainControllersOfBothDomainsTogetherCheckEverythingAndAgree) {
  const AuditReport r = Audit({forest_->root_dc.get(), forest_->child_dc.get()});
  EXPECT_EQ(Findings(r), Planted()) << Describe(r);  // no dc_disagree among them
  EXPECT_TRUE(r.unchecked_system_mailboxes.empty()) << Describe(r);
}

TEST_F(ForestTest, RecoveryStorageGroupsAreListedNotAudited) {
  const AuditReport r = Audit({forest_->gc.get()});
  std::map<std::string, std::string> listed;  // store -> why
  for (const RecoveryStore& s : r.recovery_stores)
    listed[s.store.ref.Display()] = s.why;
  EXPECT_EQ(listed.size(), forest_->org->manifest["recovery_stores"].size());
  EXPECT_EQ(listed["EXCH01 / Restored Storage Group / Mailbox Store (EXCH01)"],
            "msExchOrigMDB on Mailbox Store (EXCH01)");
  EXPECT_EQ(listed["EXCH02 / Recovery Storage Group / Mailbox Store (EXCH02)"],
            "msExchRestore on the storage group");
  EXPECT_EQ(listed["EXCH03 / Recovery Storage Group / Mailbox Store (EXCH03)"],
            "named \"Recovery Storage Group\" (not confirmed)");
  for (const StoreInfo& s : r.stores)
    EXPECT_EQ(s.ref.storage_group, "First Storage Group") << s.ref.Display();
  for (const GatewayRepair& repair : r.repairs)
    EXPECT_EQ(repair.store.storage_group, "First Storage Group");
}

TEST_F(ForestTest, CheckListsNotCheckedAndRecoveryStoresOnTheirOwnLinesAndStaysOk) {
  // Only EXCH02 (child domain) audited through the root DC: its missing system mailbox cannot be
  // seen from there, so nothing is CRITICAL.
  const ProgramResult r = Check({forest_->root_dc.get()}, {"-s", "EXCH02"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("EXCHANGE DELIVERY OK - ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\n" + std::string(kStore2Exch02) +
                       ": system mailbox not checked: its domain child.contoso.com could not be "
                       "read here: the server refers it to ldap://dc2.child.contoso.com/"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nEXCH02 / Recovery Storage Group / Mailbox Store (EXCH02): recovery "
                       "storage group, not audited (msExchRestore on the storage group)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("system_mailbox_missing"), std::string::npos) << r.out;
  // Through the child's DC the same store is CRITICAL: there its domain can be read.
  const ProgramResult child = Check({forest_->child_dc.get()}, {"-s", "EXCH02"});
  EXPECT_EQ(child.exit_code, 2) << child.out;
  EXPECT_NE(child.out.find("system_mailbox_missing"), std::string::npos) << child.out;
}

TEST_F(ForestTest, RepairLdifNamesAWritableDomainControllerNotTheGlobalCatalog) {
  const std::string ldif = forest_->dir->File("gc-repair.ldif");
  ProgramResult r = Check({forest_->gc.get()}, {"--remediation-ldif", ldif});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  std::string text = ReadWholeFile(ldif);
  // The global catalog answered on a port of its own: the same server's DC port.
  EXPECT_NE(text.find("#   ldapmodify -H ldap://127.0.0.1:389 "), std::string::npos) << text;
  r = Check({forest_->gc.get(), forest_->root_dc.get()}, {"--remediation-ldif", ldif});
  text = ReadWholeFile(ldif);
  EXPECT_NE(text.find("#   ldapmodify -H " + forest_->root_dc->uri() + " "), std::string::npos)
      << text;
  // The wrong value is corrected in place.
  EXPECT_NE(text.find("changetype: modify\nreplace: deliveryMechanism\ndeliveryMechanism: 2\n-\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("changetype: delete"), std::string::npos) << text;
}

// Referrals are never followed; asked for, the client hands them over: a subtree search of the
// root domain names the child domain's DC in a continuation reference, a search of the child
// domain answers with a referral.
TEST_F(ForestTest, SearchesCollectContinuationReferencesAndReferrals) {
  LdapConnectOptions options;
  options.uri = forest_->root_dc->uri();
  options.bind_dn = forest_->monitor_dn();
  std::getline(std::ifstream(forest_->monitor_password_file()), options.password);
  const Deadline deadline = Deadline::After(std::chrono::seconds(20));
  auto c = LdapConnection::Open(options, deadline);
  ASSERT_TRUE(c.ok()) << c.status().message();
  size_t entries = 0;
  auto count = [&](const LdapEntry&) {
    ++entries;
    return Status::Ok();
  };
  LdapReferrals referrals;
  ASSERT_TRUE((*c)->Search(forest_->root_dn, LdapScope::kSubtree, "(objectClass=domain)", {"1.1"},
                           deadline, count, &referrals)
                  .ok());
  EXPECT_EQ(entries, 1u);  // the root domain itself
  ASSERT_EQ(referrals.continuations.size(), 1u);
  EXPECT_EQ(referrals.continuations[0].rfind("ldap://dc2.child.contoso.com/", 0), 0u)
      << referrals.continuations[0];
  EXPECT_FALSE(referrals.referred());

  LdapReferrals child;
  entries = 0;
  ASSERT_TRUE((*c)->Search(forest_->child_dn, LdapScope::kSubtree, "(objectClass=*)", {"1.1"},
                           deadline, count, &child)
                  .ok());
  EXPECT_EQ(entries, 0u);
  EXPECT_TRUE(child.referred());
  // Without somewhere to put it, a referral is an error naming the result code.
  const Status refused = (*c)->Search(forest_->child_dn, LdapScope::kSubtree, "(objectClass=*)",
                                      {"1.1"}, deadline, count);
  EXPECT_EQ(refused.code(), ErrorCode::kLdapError);
  EXPECT_NE(refused.message().find("Referral (10)"), std::string::npos) << refused.message();
}

// One stalled delivery per recipient (attempt + retry every 5 minutes since 09:00) on `server`.
std::string StalledLog(const std::string& server, const std::vector<std::string>& recipients) {
  std::string log = kTrackingLogHeader;
  int n = 0;
  for (const std::string& rcpt : recipients) {
    const std::string id = "stuck" + std::to_string(++n) + "@" + server + ".contoso.com";
    log += TrackingRow("2026-11-25", "9:00:00", rcpt, 1036, id);
    for (const char* t : {"9:00:01", "9:05:01", "9:10:01", "9:15:01", "9:20:01"}) {
      log += TrackingRow("2026-11-25", t, rcpt, 1028, id);
      log += TrackingRow("2026-11-25", t, rcpt, 1037, id);
    }
  }
  return log;
}

class ForestQueueTest : public ForestTest {
 protected:
  // queue mode over EXCH01's and EXCH02's logs, with the given -H servers.
  ProgramResult Queue(const std::vector<const Slapd*>& servers,
                      const std::map<std::string, std::vector<std::string>>& stalled,
                      const std::string& mode = "queue", std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CheckBinary(), mode};
    for (const auto& [server, recipients] : stalled) {
      const std::string dir = tmp_.File(server + ".log");
      std::filesystem::create_directories(dir);
      std::ofstream(dir + "/20261125.log", std::ios::trunc) << StalledLog(server, recipients);
      argv.insert(argv.end(), {"--tracking-dir", server + "=" + dir});
    }
    for (const Slapd* s : servers)
      argv.insert(argv.end(), {"-H", s->uri()});
    argv.insert(argv.end(),
                {"-D", forest_->monitor_dn(), "--password-file", forest_->monitor_password_file(),
                 "--state-file", "none", "--now", "2026-11-25T09:31:00Z", "-t", "30"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv);
  }
  TempDir tmp_;
};

// Recipients anywhere in the forest: a child-domain user homed on a root-domain server, a public
// store's own address, a mail-enabled public folder (each server's public store).
TEST_F(ForestQueueTest, RecipientsOfEveryDomainAndPublicFoldersAreTiedToStores) {
  const std::map<std::string, std::vector<std::string>> stalled = {
      {"EXCH01", {"alice@contoso.com", "EXCH01-IS@contoso.com", "announce@contoso.com"}},
      {"EXCH02", {"carol@contoso.com", "announce@contoso.com"}}};
  for (const std::vector<const Slapd*>& servers :
       {std::vector<const Slapd*>{forest_->gc.get()},
        std::vector<const Slapd*>{forest_->root_dc.get(), forest_->child_dc.get()}}) {
    const ProgramResult r = Queue(servers, stalled);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    for (const char* line :
         {"\n  EXCH01 / First Storage Group / Public Folder Store (EXCH01): 2 stalled to 2 "
          "recipients",
          "\n  EXCH01 / First Storage Group / Mailbox Store (EXCH01): 1 stalled to 1 recipient",
          "\n  EXCH02 / First Storage Group / Mailbox Store (EXCH02): 1 stalled to 1 recipient",
          "\n  EXCH02 / First Storage Group / Public Folder Store (EXCH02): 1 stalled to 1 "
          "recipient"}) {
      EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    }
    EXPECT_EQ(r.out.find("not tied to an audited store"), std::string::npos) << r.out;
  }
  // The root domain's DC alone cannot read the child domain: its users and public folder stay
  // unmapped, and the output says where it did not look.
  const ProgramResult root = Queue({forest_->root_dc.get()}, stalled);
  EXPECT_NE(root.out.find("\nrecipients not looked up in child.contoso.com: no -H server could "
                          "read it"),
            std::string::npos)
      << root.out;
  EXPECT_NE(root.out.find("\n  EXCH01 / First Storage Group / Public Folder Store (EXCH01): 1 "
                          "stalled to 1 recipient"),
            std::string::npos)
      << root.out;  // the public store's own address lives in the configuration
  EXPECT_NE(root.out.find("4 stalled deliveries to 4 recipients not tied to an audited store"),
            std::string::npos)
      << root.out;
}

// KB 828938's public-store case: EXCH01's public store has no SMTP mailbox, and mail to a
// mail-enabled public folder (in the child domain) stalls on EXCH01. `all` names the public store
// with the stall, whether the folder is found on the GC or through the child domain's DC.
TEST_F(ForestQueueTest, AllTiesAStalledPublicFolderToTheBrokenPublicStore) {
  for (const std::vector<const Slapd*>& servers :
       {std::vector<const Slapd*>{forest_->gc.get()},
        std::vector<const Slapd*>{forest_->root_dc.get(), forest_->child_dc.get()}}) {
    const ProgramResult r =
        Queue(servers, {{"EXCH01", {"announce@contoso.com"}}}, "all", {"-s", "EXCH01"});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("\n* [smtp_mailbox] EXCH01 / First Storage Group / Public Folder Store "
                         "(EXCH01): SMTP mailbox missing; 1 deliveries stalled up to 31m"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("not tied to an audited store"), std::string::npos) << r.out;
  }
}

// EXCH02's server object says message tracking is off: its empty logs prove nothing.
TEST_F(ForestQueueTest, AServerWithMessageTrackingOffIsNotASilentOk) {
  ProgramResult r = Queue({forest_->gc.get()}, {{"EXCH01", {}}, {"EXCH02", {}}});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("EXCH02: message tracking is off, its logs cannot show stalls"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nEXCH02: message tracking is turned off on the server "
                       "(messageTrackingEnabled FALSE in AD): its tracking logs cannot show "
                       "stalled deliveries; turn tracking on, or give --queue-snapshot"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("EXCH01: message tracking"), std::string::npos) << r.out;
  // The same in `all`, under [queue] (EXCH02 alone, through the root domain's DC: nothing else
  // to report).
  r = Queue({forest_->root_dc.get()}, {{"EXCH02", {}}}, "all", {"-s", "EXCH02"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("EXCH02: message tracking is turned off on the server"), std::string::npos)
      << r.out;
  // Without -H nobody knows: the logs decide as before.
  const std::string dir = tmp_.File("EXCH02.log");
  const ProgramResult plain = RunProgram({CheckBinary(), "queue", "--tracking-dir", "EXCH02=" + dir,
                                          "--state-file", "none", "--now", "2026-11-25T09:31:00Z"});
  EXPECT_EQ(plain.exit_code, 0) << plain.out;
}

// The last-resort name rule for recovery storage groups is a setting: off, EXCH03's storage group
// named "Recovery Storage Group" (AD marks it by nothing else) is audited like any other.
// The store's own view in the forest (#19 with #18). Each server's mailbox snapshot lists its live
// mailbox stores' SMTP and system mailboxes connected, and each recovery store's restored copy of
// the live store's, disconnected, the live store's GUID in their names. A recovery store has no
// SMTP or system mailbox of its own by design: never a store-side finding, and its rows are never
// the live store's (read by that GUID they would make it "purge_pending"). EXCH03's wrong
// deliveryMechanism is corrected in place: all's repair stage says the store keeps its SMTP
// mailbox, with nothing to purge.
TEST_F(ForestTest, StoreSnapshotsNeverJudgeRecoveryStoresAndInPlaceRepairsLeaveNothingToPurge) {
  constexpr char kTaken[] = "2026-11-25T09:30:00Z";
  TempDir dir("exdm-forest-store");
  std::map<std::string, std::string> snapshot;  // server -> the file's text
  auto row = [&](const std::string& server, const std::string& sg, const std::string& store,
                 const std::string& name, const std::string& absent) {
    std::string& text = snapshot[server];
    if (text.empty()) {
      text =
          "snapshot_utc,server,storage_group,store,display_name,legacy_dn,mailbox_guid,"
          "absent_in_ds_utc\r\n";
    }
    text += std::string(kTaken) + ",\"" + server + "\",\"" + sg + "\",\"" + store + "\",\"" + name +
            "\",\"\",\"\"," + absent + "\r\n";
  };
  auto mailboxes = [&](const Json& store, const std::string& guid, const std::string& absent) {
    const std::string server = store["server"].get<std::string>();
    const std::string sg = store["storage_group"].get<std::string>();
    const std::string name = store["store"].get<std::string>();
    row(server, sg, name, "SMTP (" + server + "-{" + guid + "})", absent);
    row(server, sg, name, "SystemMailbox{" + guid + "}", absent);
    row(server, sg, name, "", "");  // the store answered
  };
  std::map<std::string, std::string> live;  // "server|store" -> GUID of the live store
  for (const Json& store : forest_->org->manifest["stores"]) {
    if (store["type"] != "mailbox") continue;
    const std::string guid = ToUpperAscii(store["guid"].get<std::string>());
    live[store["server"].get<std::string>() + "|" + store["store"].get<std::string>()] = guid;
    mailboxes(store, guid, "");
  }
  ASSERT_EQ(forest_->org->manifest["recovery_stores"].size(), 3u);
  for (const Json& store : forest_->org->manifest["recovery_stores"]) {
    const std::string key =
        store["server"].get<std::string>() + "|" + store["store"].get<std::string>();
    ASSERT_EQ(live.count(key), 1u) << key;
    mailboxes(store, live[key], "2026-11-25T08:00:00Z");
  }
  std::vector<std::string> args = {"--now", "2026-11-25T09:31:00Z", "--state-file", "none"};
  for (const auto& [server, text] : snapshot) {
    dir.Write(server + "-mailboxes.csv", text);
    args.insert(args.end(),
                {"--mailbox-snapshot", server + "=" + dir.File(server + "-mailboxes.csv")});
  }
  ASSERT_EQ(snapshot.size(), 3u);

  const ProgramResult r = Check({forest_->gc.get()}, args);
  EXPECT_NE(r.out.find("store_findings=0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("store mailbox tables: 3 servers, 5 stores judged, 5 mounted"),
            std::string::npos)
      << r.out;
  for (const char* kind : {"smtp_mailbox_disconnected", "smtp_mailbox_not_created", "purge_pending",
                           "system_mailbox_disconnected"})
    EXPECT_EQ(r.out.find(kind), std::string::npos) << kind << "\n" << r.out;

  std::vector<std::string> all = {CheckBinary(),
                                  "all",
                                  "-H",
                                  forest_->gc->uri(),
                                  "-D",
                                  forest_->monitor_dn(),
                                  "--password-file",
                                  forest_->monitor_password_file(),
                                  "-t",
                                  "30",
                                  "-s",
                                  "EXCH03"};
  all.insert(all.end(), args.begin(), args.end());
  const ProgramResult exch03 = RunProgram(all);
  EXPECT_EQ(exch03.exit_code, 2) << exch03.out;
  EXPECT_NE(exch03.out.find(std::string("* ") + kStoreExch03 +
                            ": [fix_directory] fix its SMTP mailbox in AD "
                            "(wrong_delivery_mechanism): apply the repair LDIF "
                            "(--remediation-ldif), then dismount and mount Mailbox Store (EXCH03) "
                            "(KB 828938 steps 1-6): the LDIF corrects the values in place, so the "
                            "object keeps its objectGUID and the store its SMTP mailbox (nothing "
                            "to purge)\n"),
            std::string::npos)
      << exch03.out;
  EXPECT_EQ(exch03.out.find("Recovery Storage Group / Mailbox Store (EXCH03): ["),
            std::string::npos)
      << exch03.out;
}

TEST_F(ForestTest, TheRecoveryStorageGroupNameRuleCanBeTurnedOff) {
  const char kNamedOnly[] = "EXCH03 / Recovery Storage Group / Mailbox Store (EXCH03)";
  ProgramResult r = Check({forest_->gc.get()}, {"-s", "EXCH03", "-c", "1"});
  EXPECT_NE(r.out.find(std::string("\n") + kNamedOnly +
                       ": recovery storage group, not audited (named \"Recovery Storage "
                       "Group\" (not confirmed))"),
            std::string::npos)
      << r.out;
  r = Check({forest_->gc.get()}, {"-s", "EXCH03", "--recovery-group-name", ""});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(std::string("] ") + kNamedOnly + ": missing - no SMTP mailbox"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("recovery storage group, not audited (named"), std::string::npos) << r.out;

  // The exporter's [ldap] recovery_group_name does the same to its store series.
  TempDir dir("exdm-forest-exporter");
  for (const std::string& name : {std::string(kDefaultRecoveryGroupName), std::string()}) {
    dir.Write("exporter.ini", "[ldap]\nrecovery_group_name = " + name + "\n");
    auto exporter = ExporterProcess::Start(
        dir.path(), {"--config.file=" + dir.File("exporter.ini"),
                     "--ldap.uri=" + forest_->gc->uri(), "--ldap.bind_dn=" + forest_->monitor_dn(),
                     "--ldap.password_file=" + forest_->monitor_password_file(),
                     "--ldap.server=EXCH03", "--exporter.state_dir=" + dir.path()});
    ASSERT_TRUE(exporter);
    ASSERT_TRUE(exporter->WaitForMetric("exchange_store_info{", std::chrono::seconds(20)));
    const std::string metrics = exporter->ScrapeText();
    EXPECT_EQ(metrics.find("storage_group=\"Recovery Storage Group\"") != std::string::npos,
              name.empty())
        << "recovery_group_name '" << name << "':\n"
        << metrics;
  }
}

}  // namespace
}  // namespace exdm::testing
