// The SMTP mailbox audit against a real slapd loaded with organizations from exdm_gen_org: every
// planted fault is found on the right store with the right expected value and nothing else is
// reported; connectors are never SMTP mailboxes; views of two DCs are compared; the remediation
// LDIF, applied with ldapmodify, leaves a clean audit; hostile names stay harmless.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "exdm/ad/dn.h"
#include "exdm/ad/ldap_audit.h"
#include "exdm/base/base64.h"
#include "exdm/base/guid.h"
#include "ldif_reader.h"
#include "paths.h"
#include "process.h"
#include "run_program.h"
#include "slapd_fixture.h"

namespace exdm::testing {
namespace {

using Json = nlohmann::json;

// A directory of its own, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "/exdm-audit-XXXXXX";
    path_ = mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Org {
  TempDir dir;
  Json manifest;
  std::unique_ptr<Slapd> slapd;

  std::string Ldif() const { return dir.path() + "/org.ldif"; }
};

// Generates an organization (a description file or scale-mode flags) and starts a slapd with it.
std::unique_ptr<Org> StartOrg(std::vector<std::string> generator_args) {
  auto org = std::make_unique<Org>();
  const std::string manifest = org->dir.path() + "/manifest.json";
  std::vector<std::string> argv = {GeneratorBinary("exdm_gen_org")};
  argv.insert(argv.end(), generator_args.begin(), generator_args.end());
  argv.insert(argv.end(), {"-o", org->Ldif(), "--manifest", manifest});
  ProcessResult gen = RunProcess(argv);
  EXPECT_TRUE(gen.ok()) << ShellQuote(argv) << "\n" << gen.output;
  if (!gen.ok()) return nullptr;
  org->manifest = Json::parse(std::ifstream(manifest));
  org->slapd = Slapd::Start(Slapd::Options().WithLdif(org->Ldif()));
  if (!org->slapd) return nullptr;
  return org;
}

std::string OrgFile(const std::string& name) {
  return SourceDir() + "/tests/fixtures/orgs/" + name;
}

LdapAuditRequest RequestFor(const std::vector<const Slapd*>& slapds) {
  LdapAuditRequest r;
  for (const Slapd* s : slapds)
    r.uris.push_back(s->uri());
  r.connection.bind_dn = slapds.front()->monitor_dn();
  std::getline(std::ifstream(slapds.front()->monitor_password_file()), r.connection.password);
  return r;
}

AuditReport Audit(const Slapd& slapd) {
  return AuditOverLdap(RequestFor({&slapd}), Deadline::After(std::chrono::seconds(30)));
}

bool SameDn(const std::string& a, const std::string& b) {
  auto da = Dn::Parse(a);
  auto db = Dn::Parse(b);
  return da.ok() && db.ok() && *da == *db;
}

// Expected values are DNs or strings; DNs compare parsed, strings case-insensitively.
bool SameValue(const std::string& a, const std::string& b) {
  if (a.find('=') != std::string::npos && SameDn(a, b)) return true;
  return FoldDirectoryString(a) == FoldDirectoryString(b);
}

std::string Describe(const Finding& f) {
  return std::string(FindingName(f.kind)) + " on " + f.store.Display() + " " + f.object_dn +
         " expected '" + f.expected + "'";
}

// Every manifest fault has exactly one matching finding and there are no other findings.
void ExpectFindingsMatchManifest(const AuditReport& report, const Json& manifest) {
  std::vector<bool> used(report.findings.size(), false);
  for (const Json& fault : manifest["faults"]) {
    bool found = false;
    for (size_t i = 0; i < report.findings.size() && !found; ++i) {
      const Finding& f = report.findings[i];
      if (used[i] || FindingName(f.kind) != fault["finding"].get<std::string>()) continue;
      if (f.store.server != fault["server"].get<std::string>() ||
          f.store.storage_group != fault["storage_group"].get<std::string>() ||
          f.store.store != fault["store"].get<std::string>() ||
          !SameDn(f.object_dn, fault["object_dn"].get<std::string>())) {
        continue;
      }
      const std::string attribute = fault["attribute"].get<std::string>();
      if (f.kind != FindingKind::kDuplicate && f.kind != FindingKind::kOrphan) {
        EXPECT_TRUE(SameValue(f.expected, fault["expected"].get<std::string>()))
            << fault.dump() << "\n  got " << Describe(f);
      }
      if (!attribute.empty() && f.kind != FindingKind::kOrphan) {
        EXPECT_EQ(f.attribute, attribute) << fault.dump();
      }
      used[i] = found = true;
    }
    EXPECT_TRUE(found) << "not reported: " << fault.dump();
  }
  for (size_t i = 0; i < report.findings.size(); ++i) {
    EXPECT_TRUE(used[i]) << "reported but not planted: " << Describe(report.findings[i]);
  }
}

ProcessResult RunCheck(const std::vector<const Slapd*>& slapds,
                       std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {CheckBinary(), "mailbox"};
  for (const Slapd* s : slapds)
    argv.insert(argv.end(), {"-H", s->uri()});
  argv.insert(argv.end(), {"-D", slapds.front()->monitor_dn(), "--password-file",
                           slapds.front()->monitor_password_file()});
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunProcess(argv);
}

// Runs the check with --remediation-ldif FIX on a faulty org (CRITICAL) and returns the LDIF.
std::string RemediationLdif(const Org& org, const std::string& fix) {
  ProcessResult check = RunCheck({org.slapd.get()}, {"--remediation-ldif", fix});
  EXPECT_EQ(check.exit_code, 2) << check.output;
  std::ifstream in(fix);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// slapd's entryUUID of one entry (its identity, like AD's objectGUID); empty when absent.
std::string EntryUuid(const Slapd& slapd, const std::string& dn) {
  ProcessResult r = slapd.Search(dn, "base", "(objectClass=*)", {"entryUUID"});
  const size_t at = r.output.find("entryUUID: ");
  if (!r.ok() || at == std::string::npos) return "";
  return r.output.substr(at + 11, r.output.find('\n', at) - at - 11);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(MailboxAudit, HealthyOrganizationIsOkAndConnectorsAreNeverReported) {
  auto org = StartOrg({OrgFile("healthy.json")});
  ASSERT_TRUE(org);
  ASSERT_FALSE(org->manifest["connectors"].empty());
  AuditReport report = Audit(*org->slapd);
  ASSERT_EQ(report.sources.size(), 1u);
  ASSERT_TRUE(report.sources[0].up) << report.sources[0].error->message();
  EXPECT_TRUE(report.findings.empty()) << Describe(report.findings.front());
  EXPECT_EQ(report.stores.size(), org->manifest["stores"].size());
  EXPECT_EQ(report.gateways, org->manifest["gateway_count"].get<size_t>());
  EXPECT_EQ(report.servers.size(), org->manifest["servers"].size());

  ProcessResult check = RunCheck({org->slapd.get()});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_TRUE(Contains(check.output, "EXCHANGE DELIVERY OK - ")) << check.output;
  EXPECT_TRUE(Contains(check.output, "stores=" + std::to_string(report.stores.size())))
      << check.output;
  EXPECT_FALSE(Contains(check.output, "Connector")) << check.output;
}

TEST(MailboxAudit, AllFaultsAtOnceEachOnItsStoreAndNothingElse) {
  auto org = StartOrg({OrgFile("all-faults.json")});
  ASSERT_TRUE(org);
  AuditReport report = Audit(*org->slapd);
  ASSERT_TRUE(report.sources[0].up) << report.sources[0].error->message();
  ExpectFindingsMatchManifest(report, org->manifest);
  // The KB's own spelling without the hyphen is accepted.
  for (const Json& variant : org->manifest["variants"]) {
    for (const Finding& f : report.findings) {
      EXPECT_NE(f.store.store, variant["store"].get<std::string>()) << Describe(f);
    }
  }
  ProcessResult check = RunCheck({org->slapd.get()});
  EXPECT_EQ(check.exit_code, 2) << check.output;
  size_t lines = 0;
  for (char c : check.output)
    lines += c == '\n';
  EXPECT_EQ(lines, 1 + org->manifest["faults"].size()) << check.output;
}

TEST(MailboxAudit, ServerRestrictionLeavesOtherServersOut) {
  auto org = StartOrg({OrgFile("all-faults.json")});
  ASSERT_TRUE(org);
  ProcessResult check = RunCheck({org->slapd.get()}, {"-s", "EXCH02"});
  EXPECT_EQ(check.exit_code, 1) << check.output;  // only EXCH02's orphan: WARNING
  EXPECT_TRUE(Contains(check.output, "EXCH02: orphan")) << check.output;
  EXPECT_FALSE(Contains(check.output, "EXCH01")) << check.output;
  check = RunCheck({org->slapd.get()}, {"-s", "EXCH02", "--finding-severity", "orphan=OK"});
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

class OneFaultKind : public ::testing::TestWithParam<const char*> {};

TEST_P(OneFaultKind, IsReportedOnItsStoreAndNothingElse) {
  auto org = StartOrg({"--servers", "2", "--stores-per-server", "3", "--public-every", "3",
                       "--fault", std::string(GetParam()) + "=1", "--seed", "7"});
  ASSERT_TRUE(org);
  AuditReport report = Audit(*org->slapd);
  ASSERT_TRUE(report.sources[0].up) << report.sources[0].error->message();
  ExpectFindingsMatchManifest(report, org->manifest);
  if (std::string(GetParam()) == "kb_name_without_hyphen") {
    EXPECT_TRUE(report.findings.empty());
    EXPECT_EQ(org->manifest["variants"].size(), 1u);
  } else {
    EXPECT_FALSE(report.findings.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Generator, OneFaultKind,
                         ::testing::Values("missing", "duplicate", "duplicate_cnf",
                                           "wrong_home_mdb", "no_home_mdb", "wrong_home_mta",
                                           "deleted_home_mta", "wrong_delivery_mechanism",
                                           "wrong_legacy_dn", "wrong_name",
                                           "system_mailbox_missing", "mta_missing",
                                           "kb_name_without_hyphen"));

TEST(MailboxAudit, GatewayWithoutHomeMdbIsWrongHomeMdbWhenItsStoreExists) {
  auto org = StartOrg({OrgFile("healthy.json")});
  ASSERT_TRUE(org);
  const Json& gateway = org->manifest["gateways"][0];
  const std::string ldif = org->dir.path() + "/drop-homemdb.ldif";
  std::ofstream(ldif) << "dn: " << gateway["dn"].get<std::string>()
                      << "\nchangetype: modify\ndelete: homeMDB\n";
  ASSERT_TRUE(org->slapd->Modify(ldif));
  AuditReport report = Audit(*org->slapd);
  ASSERT_EQ(report.findings.size(), 1u);
  const Finding& f = report.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kWrongHomeMdb);
  EXPECT_EQ(f.store_guid, gateway["store_guid"].get<std::string>());
  EXPECT_EQ(f.actual, "");
  EXPECT_EQ(report.orphans_per_server.size(), org->manifest["servers"].size());
  for (const auto& [server, n] : report.orphans_per_server)
    EXPECT_EQ(n, 0u) << server;
}

TEST(MailboxAudit, TwoDcsThatDisagree) {
  auto dc1 = StartOrg({OrgFile("healthy.json")});
  auto dc2 = StartOrg({OrgFile("healthy.json")});
  ASSERT_TRUE(dc1 && dc2);
  const Json& gateway = dc2->manifest["gateways"][0];
  const std::string ldif = dc2->dir.path() + "/dm0.ldif";
  std::ofstream(ldif) << "dn: " << gateway["dn"].get<std::string>()
                      << "\nchangetype: modify\nreplace: deliveryMechanism\ndeliveryMechanism: 0\n";
  ASSERT_TRUE(dc2->slapd->Modify(ldif));

  // The check binary binds to both with one password: give dc2's monitor dc1's.
  std::string password;
  std::getline(std::ifstream(dc1->slapd->monitor_password_file()), password);
  const std::string pw_ldif = dc2->dir.path() + "/pw.ldif";
  std::ofstream(pw_ldif) << "dn: " << dc2->slapd->monitor_dn()
                         << "\nchangetype: modify\nreplace: userPassword\nuserPassword: "
                         << password << "\n";
  ASSERT_TRUE(dc2->slapd->Modify(pw_ldif));
  AuditReport report = AuditOverLdap(RequestFor({dc1->slapd.get(), dc2->slapd.get()}),
                                     Deadline::After(std::chrono::seconds(30)));
  ASSERT_EQ(report.sources.size(), 2u);
  EXPECT_TRUE(report.sources[0].up && report.sources[1].up);
  ASSERT_EQ(report.findings.size(), 2u);
  EXPECT_EQ(report.findings[0].kind, FindingKind::kWrongDeliveryMechanism);
  EXPECT_EQ(report.findings[0].seen_on, std::vector<std::string>{dc2->slapd->uri()});
  EXPECT_EQ(report.findings[1].kind, FindingKind::kDcDisagree);
  EXPECT_EQ(report.findings[1].store, report.findings[0].store);
  EXPECT_EQ(report.findings[1].store_guid, gateway["store_guid"].get<std::string>());

  ProcessResult check = RunCheck({dc1->slapd.get(), dc2->slapd.get()});
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_TRUE(Contains(check.output, "dc_disagree")) << check.output;
  EXPECT_TRUE(Contains(check.output, dc2->slapd->uri() + ": audited")) << check.output;
}

// dc2 has not yet replicated a new store: there its SMTP mailbox looks like an orphan. Together
// with dc1, that is dc_disagree and nothing is deleted, even with dc2's view first.
TEST(MailboxAudit, AStoreOneDcLacksMakesNoOrphanToDelete) {
  auto dc1 = StartOrg({OrgFile("healthy.json")});
  auto dc2 = StartOrg({OrgFile("healthy.json")});
  ASSERT_TRUE(dc1 && dc2);
  const Json& store = dc2->manifest["stores"][0];
  const std::string del = dc2->dir.path() + "/del.ldif";
  std::ofstream(del) << "dn: " << store["dn"].get<std::string>() << "\nchangetype: delete\n";
  ASSERT_TRUE(dc2->slapd->Modify(del));
  const AuditReport alone = Audit(*dc2->slapd);
  ASSERT_EQ(alone.findings.size(), 1u);
  EXPECT_EQ(alone.findings[0].kind, FindingKind::kOrphan) << Describe(alone.findings[0]);
  // The check binds to both with dc2's password (its view comes first): give dc1's monitor it.
  std::string password;
  std::getline(std::ifstream(dc2->slapd->monitor_password_file()), password);
  const std::string pw_ldif = dc1->dir.path() + "/pw.ldif";
  std::ofstream(pw_ldif) << "dn: " << dc1->slapd->monitor_dn()
                         << "\nchangetype: modify\nreplace: userPassword\nuserPassword: "
                         << password << "\n";
  ASSERT_TRUE(dc1->slapd->Modify(pw_ldif));

  const std::string fix = dc1->dir.path() + "/fix.ldif";
  ProcessResult check = RunCheck({dc2->slapd.get(), dc1->slapd.get()}, {"--remediation-ldif", fix});
  EXPECT_EQ(check.exit_code, 1) << check.output;  // dc_disagree: WARNING
  EXPECT_FALSE(Contains(check.output, "orphan -")) << check.output;
  EXPECT_TRUE(Contains(check.output, "which lack its store; the store exists on " +
                                         dc1->slapd->uri() +
                                         " (replication not finished): not "
                                         "deleted"))
      << check.output;
  const std::string ldif = ReadFile(fix);
  EXPECT_FALSE(Contains(ldif, "changetype: delete")) << ldif;
  EXPECT_TRUE(Contains(ldif, "# Nothing to repair.")) << ldif;
}

TEST(MailboxAudit, RemediationRoundTripLeavesACleanAudit) {
  auto org = StartOrg({OrgFile("all-faults.json")});
  ASSERT_TRUE(org);
  const std::string fix = org->dir.path() + "/fix.ldif";
  const std::string ldif = RemediationLdif(*org, fix);
  EXPECT_FALSE(Contains(ldif, "\nobjectGUID:")) << ldif;
  ASSERT_TRUE(org->slapd->Modify(fix)) << ldif;
  AuditReport after = Audit(*org->slapd);
  // What LDIF cannot repair stays: the missing MTA and the missing system mailbox.
  for (const Finding& f : after.findings) {
    EXPECT_TRUE(f.kind == FindingKind::kMtaMissing || f.kind == FindingKind::kSystemMailboxMissing)
        << Describe(f);
  }
  size_t unrepairable = 0;
  for (const Json& fault : org->manifest["faults"]) {
    const std::string kind = fault["finding"].get<std::string>();
    unrepairable += kind == "mta_missing" || kind == "system_mailbox_missing";
  }
  EXPECT_EQ(after.findings.size(), unrepairable);
}

// A system mailbox that is not where the name search looks (CN=Microsoft Exchange System
// Objects) is still found: the store's homeMDBBL back links name it.
TEST(MailboxAudit, SystemMailboxOutsideItsContainerIsFoundThroughTheStoresBackLinks) {
  auto org = StartOrg({"--servers", "1", "--stores-per-server", "1", "--public-every", "0",
                       "--fault", "system_mailbox_missing=1"});
  ASSERT_TRUE(org);
  AuditReport before = Audit(*org->slapd);
  ASSERT_EQ(before.findings.size(), 1u);
  ASSERT_EQ(before.findings[0].kind, FindingKind::kSystemMailboxMissing);
  const Json& store = org->manifest["stores"][0];
  const std::string guid = Guid::Parse(store["guid"].get<std::string>())->ToBracedUpper();
  const std::string moved = "CN=SystemMailbox" + guid + ",CN=Users," + org->slapd->suffix();
  const std::string add = org->dir.path() + "/moved.ldif";
  std::ofstream(add) << "dn: " << moved
                     << "\nchangetype: add\nobjectClass: top\nobjectClass: msExchSystemMailbox\n"
                     << "cn: SystemMailbox" << guid
                     << "\nhomeMDB: " << store["dn"].get<std::string>()
                     << "\n\ndn: " << store["dn"].get<std::string>()
                     << "\nchangetype: modify\nadd: homeMDBBL\nhomeMDBBL: " << moved << "\n-\n";
  ASSERT_TRUE(org->slapd->Modify(add));
  AuditReport after = Audit(*org->slapd);
  EXPECT_TRUE(after.findings.empty()) << Describe(after.findings.front());
}

TEST(MailboxAudit, RemediationRoundTripOnGatewayFaultsEndsOk) {
  std::vector<std::string> args = {"--servers", "3", "--stores-per-server", "4", "--seed", "11"};
  for (const char* kind :
       {"missing", "duplicate", "duplicate_cnf", "wrong_home_mdb", "no_home_mdb", "wrong_home_mta",
        "deleted_home_mta", "wrong_delivery_mechanism", "wrong_legacy_dn", "wrong_name"}) {
    args.insert(args.end(), {"--fault", std::string(kind) + "=1"});
  }
  auto org = StartOrg(args);
  ASSERT_TRUE(org);
  const std::string fix = org->dir.path() + "/fix.ldif";
  ProcessResult check = RunCheck({org->slapd.get()}, {"--remediation-ldif", fix});
  EXPECT_EQ(check.exit_code, 2) << check.output;
  // Wrong values are corrected on the object itself: the same entry (slapd's entryUUID, AD's
  // objectGUID) before and after.
  const std::string ldif = ReadFile(fix);
  std::map<std::string, std::string> uuid_before;  // modified DN -> entryUUID
  for (size_t at = ldif.find("\nchangetype: modify\n"); at != std::string::npos;
       at = ldif.find("\nchangetype: modify\n", at + 1)) {
    const size_t dn_start = ldif.rfind("\ndn: ", at) + 5;
    const std::string dn = ldif.substr(dn_start, at - dn_start);
    uuid_before[dn] = EntryUuid(*org->slapd, dn);
  }
  // One per attribute-only fault kind planted (wrong_home_mdb, wrong_home_mta, deleted_home_mta,
  // wrong_delivery_mechanism, wrong_legacy_dn).
  EXPECT_EQ(uuid_before.size(), 5u) << ldif;
  ASSERT_TRUE(org->slapd->Modify(fix));
  check = RunCheck({org->slapd.get()});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  for (const auto& [dn, uuid] : uuid_before) {
    EXPECT_FALSE(uuid.empty()) << dn;
    EXPECT_EQ(EntryUuid(*org->slapd, dn), uuid) << dn;
  }
}

// A store whose SMTP mailbox is missing on a server that lost its Microsoft MTA: AD refuses a
// mailGateway without homeMTA, so the LDIF must not add one; it says to restore the MTA first.
TEST(MailboxAudit, RemediationOnAServerWithoutMtaAddsNothingAdWouldRefuse) {
  TempDir tmp;
  const std::string description = tmp.path() + "/no-mta.json";
  std::ofstream(description) << R"({
    "organization": "Contoso", "domain": "contoso.com",
    "admin_groups": [{"name": "First Administrative Group", "servers": [
      {"name": "EXCH01", "storage_groups": [{"name": "First Storage Group", "stores": [
        {"name": "Healthy", "users": 1}, {"name": "Wrong Mechanism", "users": 1,
         "faults": ["wrong_delivery_mechanism"]}]}]},
      {"name": "EXCH03", "faults": ["mta_missing"], "storage_groups": [
        {"name": "First Storage Group", "stores": [
          {"name": "Lost", "users": 1, "faults": ["missing"]}]}]}]}]})";
  auto org = StartOrg({description});
  ASSERT_TRUE(org);
  const std::string fix = org->dir.path() + "/fix.ldif";
  const std::string ldif = RemediationLdif(*org, fix);
  EXPECT_FALSE(Contains(ldif, "\ndn: CN=SMTP (EXCH03-")) << ldif;
  EXPECT_TRUE(Contains(ldif,
                       "# NOT REPAIRABLE YET: server EXCH03 lacks its MTA object "
                       "CN=Microsoft MTA,CN=EXCH03,"))
      << ldif;
  ASSERT_TRUE(org->slapd->Modify(fix)) << ldif;
  // EXCH01's repair applied; EXCH03's store is still without its SMTP mailbox, as is its MTA.
  AuditReport after = Audit(*org->slapd);
  std::vector<std::string> remaining;
  for (const Finding& f : after.findings)
    remaining.push_back(std::string(FindingName(f.kind)) + " " + f.store.Display());
  std::sort(remaining.begin(), remaining.end());
  EXPECT_EQ(remaining,
            (std::vector<std::string>{"missing EXCH03 / First Storage Group / Lost",
                                      "mta_missing EXCH03 / First Storage Group / Lost"}));
}

// The hostile-names org (EXCH-ÜBER, "Zürich", specials everywhere): its repair LDIF is plain
// ASCII, every value with a byte >= 0x80 written as base64 (`::`, RFC 2849's SAFE-STRING is
// ASCII), names in comments hex-escaped; ldapmodify applies it and the audit is clean after.
TEST(MailboxAudit, HostileNamesRepairLdifIsAsciiAndApplies) {
  auto org = StartOrg({OrgFile("hostile-names.json")});
  ASSERT_TRUE(org);
  const std::string fix = org->dir.path() + "/fix.ldif";
  const std::string ldif = RemediationLdif(*org, fix);
  for (size_t i = 0; i < ldif.size(); ++i) {
    ASSERT_LT(static_cast<unsigned char>(ldif[i]), 0x80) << "byte >= 0x80 at " << i << " in:\n"
                                                         << ldif;
  }
  // The values that carry the non-ASCII names are there, base64-encoded.
  size_t encoded_non_ascii = 0;
  std::set<std::string> attributes;
  for (const std::string& line : SplitLines(ldif)) {
    const size_t colons = line.find("::");
    if (line.empty() || line[0] == '#' || colons == std::string::npos) continue;
    std::string value;
    ASSERT_TRUE(exdm::Base64Decode(line.substr(colons + 3), value)) << line;
    if (Contains(value, "EXCH-ÜBER") || Contains(value, "Zürich")) {
      ++encoded_non_ascii;
      attributes.insert(line.substr(0, colons));
    }
  }
  EXPECT_TRUE(attributes.count("dn")) << ldif;
  EXPECT_TRUE(attributes.count("homeMDB")) << ldif;
  EXPECT_TRUE(attributes.count("homeMTA")) << ldif;
  EXPECT_GE(encoded_non_ascii, 3u) << ldif;
  // Comments name the stores too, escaped.
  EXPECT_TRUE(Contains(ldif, "EXCH-\\C3\\9CBER")) << ldif;

  ASSERT_TRUE(org->slapd->Modify(fix)) << ldif;
  AuditReport after = Audit(*org->slapd);
  EXPECT_TRUE(after.findings.empty()) << Describe(after.findings.front());
  ProcessResult check = RunCheck({org->slapd.get()});
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST(MailboxAudit, HostileNamesKeepFiltersAndOutputIntact) {
  auto org = StartOrg({OrgFile("hostile-names.json")});
  ASSERT_TRUE(org);
  // One more store whose name holds a newline (\0A in the DN), without an SMTP mailbox.
  const Json& store = org->manifest["stores"][0];
  auto sg = Dn::Parse(store["dn"].get<std::string>());
  ASSERT_TRUE(sg.ok());
  const std::string newline_store = sg->Parent().Child("CN", "Line\nBreak | Store").ToString();
  const std::string ldif = org->dir.path() + "/newline.ldif";
  std::ofstream(ldif)
      << "dn: " << newline_store
      << "\nobjectClass: top\nobjectClass: msExchMDB\nobjectClass: msExchPrivateMDB\n"
         "cn:: TGluZQpCcmVhayB8IFN0b3Jl\nobjectGUID:: AAECAwQFBgcICQoLDA0ODw==\n";
  ASSERT_TRUE(org->slapd->Load(ldif));

  AuditReport report = Audit(*org->slapd);
  ASSERT_TRUE(report.sources[0].up) << report.sources[0].error->message();
  bool newline_missing = false;
  for (const Finding& f : report.findings) {
    if (f.store.store == "Line\nBreak | Store" && f.kind == FindingKind::kMissing) {
      newline_missing = true;
    }
  }
  EXPECT_TRUE(newline_missing);
  EXPECT_EQ(report.findings.size(), org->manifest["faults"].size() + 2)  // + its system mailbox
      << Describe(report.findings.front());

  ProcessResult check = RunCheck({org->slapd.get()});
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_EQ(check.output.rfind("EXCHANGE DELIVERY CRITICAL - ", 0), 0u) << check.output;
  EXPECT_EQ(std::count(check.output.begin(), check.output.end(), '|'), 1) << check.output;
  EXPECT_TRUE(Contains(check.output, "Line?Break / Store")) << check.output;
  for (char c : check.output) {
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << check.output;
  }
}

}  // namespace
}  // namespace exdm::testing
