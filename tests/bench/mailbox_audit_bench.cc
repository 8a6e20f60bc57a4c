// SMTP mailbox audit of a 10,000-store organization (issue #21's bar: ratio <= 0.8), and of a
// 50,000-store one printed beside it.
//   baseline: ldapsearch with paged results (-E pr=1000/noprompt) dumping the same entries the
//             audit reads - the same six searches, same attributes - from the same slapd
//   result:   check_exchange_delivery mailbox against that slapd (connect, bind, discover, audit,
//             output), a process each, like ldapsearch
// Alternating rounds after one warm-up each; medians, ratio = result / baseline. Besides wall
// time each side's own CPU seconds (the client processes', not slapd's) are printed: on a shared
// machine they move less with the load than wall time does.
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "machine_info.h"
#include "paths.h"
#include "process.h"
#include "slapd_fixture.h"

namespace {

using exdm::testing::ProcessResult;
using exdm::testing::RunProcess;
using exdm::testing::Slapd;

constexpr int kStoresPerServer = 100;
constexpr double kBar = 0.8;

double ChildrenCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Wall seconds of one process; adds its CPU seconds (user + system, reaped children) to *cpu.
double Seconds(const std::vector<std::string>& argv, bool* ok, double* cpu) {
  const double cpu_before = ChildrenCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  ProcessResult r = RunProcess(argv);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *cpu += ChildrenCpuSeconds() - cpu_before;
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

struct Outcome {
  bool ok = false;
  double ratio = 0;
};

// One organization of `servers` x 100 stores audited by `check_binary` in its own slapd: sanity,
// then `rounds` alternating rounds. Prints its figures.
Outcome Run(const std::string& check_binary, int servers, int rounds) {
  std::string pattern =
      std::filesystem::temp_directory_path().string() + "/exdm-audit-bench-XXXXXX";
  if (!mkdtemp(pattern.data())) return {};
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
                  std::to_string(servers), "--stores-per-server", std::to_string(kStoresPerServer),
                  "--users-per-store", "0", "--public-every", "10", "--seed", "4", "-o", ldif});
  if (!gen.ok()) {
    std::fprintf(stderr, "generator failed: %s\n", gen.output.c_str());
    return {};
  }
  const auto load_start = std::chrono::steady_clock::now();
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(ldif));
  if (!slapd) return {};
  const auto loaded = std::chrono::steady_clock::now();
  std::printf("%d stores: generate %.2f s, slapadd + start %.2f s\n", servers * kStoresPerServer,
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
  const std::vector<std::string> audit = {check_binary,
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
  const size_t want = static_cast<size_t>(servers * kStoresPerServer);
  if (store_entries != want || check.exit_code != 0 ||
      check.output.find("stores=" + std::to_string(want)) == std::string::npos) {
    std::fprintf(stderr, "sanity check failed\n");
    return {};
  }

  bool ok = true;
  std::vector<double> base_times, audit_times, base_cpu, audit_cpu;
  for (int round = 0; round < rounds; ++round) {
    double b = 0, b_cpu = 0, a_cpu = 0;
    for (const auto& argv : baseline)
      b += Seconds(argv, &ok, &b_cpu);
    base_times.push_back(b);
    base_cpu.push_back(b_cpu);
    audit_times.push_back(Seconds(audit, &ok, &a_cpu));
    audit_cpu.push_back(a_cpu);
  }
  if (!ok) return {};
  const double base = Median(base_times);
  const double result = Median(audit_times);
  const double ratio = result / base;
  const int stores_total = servers * kStoresPerServer;
  std::printf(
      "%d stores, baseline ldapsearch -E pr=1000 (%zu searches): %.3f s, client CPU %.3f s "
      "(medians of %d)\n",
      stores_total, baseline.size(), base, Median(base_cpu), rounds);
  std::printf(
      "%d stores, result   check_exchange_delivery mailbox:      %.3f s, client CPU %.3f s "
      "(medians of %d)\n",
      stores_total, result, Median(audit_cpu), rounds);
  std::printf("%d stores, ratio %.2f; load average %s\n", stores_total, ratio,
              exdm::testing::LoadAverage().c_str());
  return {true, ratio};
}

}  // namespace

// Optional argument: another check_exchange_delivery to measure (an older build, for a
// before/after figure).
int main(int argc, char** argv) {
  const std::string check = argc > 1 ? argv[1] : exdm::testing::CheckBinary();
  std::printf("machine: %s; load average %s\n", exdm::testing::CpuDescription().c_str(),
              exdm::testing::LoadAverage().c_str());
  const Outcome ten = Run(check, 100, 5);  // the bar
  if (!ten.ok) return 1;
  const Outcome fifty = Run(check, 500, 3);  // printed beside it
  if (!fifty.ok) return 1;
  std::printf("ratio at 10,000 stores %.2f (bar <= %.1f): %s; at 50,000 stores %.2f\n", ten.ratio,
              kBar, ten.ratio <= kBar ? "PASS" : "FAIL", fifty.ratio);
  return ten.ratio <= kBar ? 0 : 1;
}
