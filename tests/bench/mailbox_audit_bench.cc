// SMTP mailbox audit of a 10,000-store organization (issue #4's bar: ratio <= 2.0).
//   baseline: ldapsearch with paged results (-E pr=1000/noprompt) dumping the same entries the
//             audit reads - the same six searches, same attributes - from the same slapd
//   result:   check_exchange_delivery mailbox against that slapd (connect, bind, discover, audit,
//             output), a process each, like ldapsearch
// Three alternating rounds after one warm-up each; medians, ratio = result / baseline.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "paths.h"
#include "process.h"
#include "slapd_fixture.h"

namespace {

using exdm::testing::ProcessResult;
using exdm::testing::RunProcess;
using exdm::testing::Slapd;

constexpr int kServers = 100;
constexpr int kStoresPerServer = 100;
constexpr int kRounds = 3;
constexpr double kBar = 2.0;

double Seconds(const std::vector<std::string>& argv, bool* ok) {
  const auto start = std::chrono::steady_clock::now();
  ProcessResult r = RunProcess(argv);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) {
    std::fprintf(stderr, "failed (%d): %s\n%s\n", r.exit_code,
                 exdm::testing::ShellQuote(argv).c_str(), r.output.substr(0, 2000).c_str());
    *ok = false;
  }
  return s;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  std::string pattern =
      std::filesystem::temp_directory_path().string() + "/exdm-audit-bench-XXXXXX";
  if (!mkdtemp(pattern.data())) return 1;
  const std::string dir = pattern;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};

  const std::string ldif = dir + "/org.ldif";
  // The organization's own cost, printed for reference (the integration test OrgGeneratorTest.
  // ThousandsOfStoresLoadAndPageBeyondTheSizeLimit asserts the behaviour, not the time).
  const auto generate_start = std::chrono::steady_clock::now();
  ProcessResult gen =
      RunProcess({exdm::testing::GeneratorBinary("exdm_gen_org"), "--servers",
                  std::to_string(kServers), "--stores-per-server", std::to_string(kStoresPerServer),
                  "--users-per-store", "0", "--public-every", "10", "--seed", "4", "-o", ldif});
  if (!gen.ok()) {
    std::fprintf(stderr, "generator failed: %s\n", gen.output.c_str());
    return 1;
  }
  const auto load_start = std::chrono::steady_clock::now();
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(ldif));
  if (!slapd) return 1;
  const auto loaded = std::chrono::steady_clock::now();
  std::printf("%d stores: generate %.2f s, slapadd + start %.2f s\n", kServers * kStoresPerServer,
              std::chrono::duration<double>(load_start - generate_start).count(),
              std::chrono::duration<double>(loaded - load_start).count());

  const std::string uri = slapd->uri();
  const std::string config = slapd->configuration_dn();
  const std::string org =
      "CN=" + std::string("Contoso") + ",CN=Microsoft Exchange,CN=Services," + config;
  auto ldapsearch = [&](const std::string& base, const std::string& scope,
                        const std::string& filter, std::vector<std::string> attrs) {
    std::vector<std::string> argv = {"ldapsearch",
                                     "-LLL",
                                     "-x",
                                     "-H",
                                     uri,
                                     "-D",
                                     slapd->monitor_dn(),
                                     "-y",
                                     slapd->monitor_password_file(),
                                     "-E",
                                     "pr=1000/noprompt",
                                     "-b",
                                     base,
                                     "-s",
                                     scope,
                                     filter};
    argv.insert(argv.end(), attrs.begin(), attrs.end());
    return argv;
  };
  // The audit's own searches (discovery.h), one ldapsearch each.
  const std::vector<std::vector<std::string>> baseline = {
      ldapsearch("", "base", "(objectClass=*)",
                 {"configurationNamingContext", "defaultNamingContext", "rootDomainNamingContext",
                  "isGlobalCatalogReady"}),
      ldapsearch("CN=Microsoft Exchange,CN=Services," + config, "one",
                 "(objectClass=msExchOrganizationContainer)", {"cn", "legacyExchangeDN"}),
      ldapsearch("CN=Administrative Groups," + org, "sub",
                 "(|(objectClass=msExchAdminGroup)(objectClass=msExchExchangeServer)"
                 "(objectClass=mTA)(objectClass=msExchStorageGroup)(objectClass=msExchPrivateMDB)"
                 "(objectClass=msExchPublicMDB))",
                 {"objectClass", "legacyExchangeDN", "objectGUID", "networkAddress",
                  "messageTrackingEnabled", "msExchRestore", "msExchOrigMDB"}),
      ldapsearch("CN=Connections," + org, "one", "(objectClass=mailGateway)",
                 {"homeMDB", "homeMTA", "deliveryMechanism", "legacyExchangeDN"}),
      ldapsearch("CN=Partitions," + config, "one", "(objectClass=crossRef)",
                 {"nCName", "dnsRoot", "systemFlags"}),
      ldapsearch("CN=Microsoft Exchange System Objects," + slapd->suffix(), "one",
                 "(cn=SystemMailbox*)", {"cn"}),
  };
  const std::vector<std::string> audit = {exdm::testing::CheckBinary(),
                                          "mailbox",
                                          "-H",
                                          uri,
                                          "-D",
                                          slapd->monitor_dn(),
                                          "--password-file",
                                          slapd->monitor_password_file(),
                                          "-t",
                                          "300"};

  // Sanity: the dump holds every store, and the audit sees them all and is OK.
  ProcessResult stores = RunProcess(baseline[2]);
  size_t store_entries = 0;
  for (size_t at = 0; (at = stores.output.find("objectClass: msExchMDB", at)) != std::string::npos;
       ++at) {
    ++store_entries;
  }
  ProcessResult check = RunProcess(audit);
  std::printf("stores dumped by ldapsearch: %zu; check: %s", store_entries,
              check.output.substr(0, check.output.find('\n') + 1).c_str());
  const size_t want = static_cast<size_t>(kServers * kStoresPerServer);
  if (store_entries != want || check.exit_code != 0 ||
      check.output.find("stores=" + std::to_string(want)) == std::string::npos) {
    std::fprintf(stderr, "sanity check failed\n");
    return 1;
  }

  bool ok = true;
  std::vector<double> base_times, audit_times;
  for (int round = 0; round < kRounds; ++round) {
    double b = 0;
    for (const auto& argv : baseline)
      b += Seconds(argv, &ok);
    base_times.push_back(b);
    audit_times.push_back(Seconds(audit, &ok));
  }
  if (!ok) return 1;
  const double base = Median(base_times);
  const double result = Median(audit_times);
  const double ratio = result / base;
  std::printf("baseline ldapsearch -E pr=1000 (5 searches, %d stores): %.3f s (median of %d)\n",
              kServers * kStoresPerServer, base, kRounds);
  std::printf("result   check_exchange_delivery mailbox:                %.3f s (median of %d)\n",
              result, kRounds);
  std::printf("ratio %.2f (bar <= %.1f): %s\n", ratio, kBar, ratio <= kBar ? "PASS" : "FAIL");
  return ratio <= kBar ? 0 : 1;
}
