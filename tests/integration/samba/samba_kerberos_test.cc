// The Kerberos (SASL GSSAPI) bind against a real KDC: the Samba DC's. svc-monitor gets a ticket
// with kinit into a private credential cache (KRB5CCNAME) under a private krb5.conf
// (KRB5_CONFIG), and the check and the exporter then bind with it and no password, and must see
// what a simple bind sees. Without a ticket the bind fails as a bind failure, with Kerberos' own
// reason in the message.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exporter_process.h"
#include "org_fixture.h"
#include "paths.h"
#include "process.h"
#include "samba_fixture.h"
#include "samba_org_loader.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

// A client's Kerberos setup for the DC at dc.address(), all in the test's directory: no DNS
// (there is none for CONTOSO.COM here) and no host name canonicalization, so the service ticket
// asked for is ldap/<the address>, exactly what the URI names.
Env KerberosEnv(const SambaDc& dc, const TempDir& tmp, const std::string& ccache) {
  std::ofstream(tmp.File("krb5.conf")) << "[libdefaults]\n"
                                          "\tdefault_realm = CONTOSO.COM\n"
                                          "\tdns_lookup_kdc = false\n"
                                          "\tdns_lookup_realm = false\n"
                                          "\trdns = false\n"
                                          "\tdns_canonicalize_hostname = false\n"
                                          "[realms]\n"
                                          "\tCONTOSO.COM = {\n"
                                          "\t\tkdc = "
                                       << dc.address() << "\n\t}\n";
  return {{"KRB5_CONFIG", tmp.File("krb5.conf")}, {"KRB5CCNAME", "FILE:" + tmp.File(ccache)}};
}

// kinit svc-monitor with the password on stdin from its file (never in argv). The KDC of a DC
// that just started may not answer at once on a loaded machine: a few tries.
ProcessResult Kinit(const SambaDc& dc, const Env& env) {
  ProcessResult r;
  for (int attempt = 0; attempt < 5; ++attempt) {
    r = RunProcess({"bash", "-c", "kinit svc-monitor@CONTOSO.COM <\"$1\"", "kinit",
                    dc.monitor_password_file()},
                   env);
    if (r.ok()) break;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return r;
}

// AD registers ldap/<DNS name> for a DC; the fixture's DC is reached by its address, so the
// address becomes a service principal name of the DC's machine account too.
::testing::AssertionResult AddAddressSpn(const SambaDc& dc, const TempDir& tmp) {
  std::ofstream(tmp.File("spn.ldif")) << "dn: CN=DC1,OU=Domain Controllers," << SambaDc::domain_dn()
                                      << "\nchangetype: modify\nadd: servicePrincipalName\n"
                                         "servicePrincipalName: ldap/"
                                      << dc.address() << "\n";
  return dc.Modify(tmp.File("spn.ldif"));
}

std::vector<std::string> Check(const SambaDc& dc, std::vector<std::string> extra) {
  std::vector<std::string> argv = {CheckBinary(), "mailbox", "-H", dc.uri()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

TEST(SambaKerberos, GssapiBindSeesWhatASimpleBindSeesAndFailsClearlyWithoutATicket) {
  REQUIRE_SAMBA();
  TempDir tmp;
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  auto org = GenerateOrg({SampleOrg("all-faults")}, tmp.path());
  ASSERT_TRUE(org);
  AdOrganization ad;
  ASSERT_TRUE(LoadOrganization(*dc, org->ldif_path, &ad));
  const Env env = KerberosEnv(*dc, tmp, "ccache");
  const ProcessResult kinit = Kinit(*dc, env);
  ASSERT_TRUE(kinit.ok()) << kinit.output << "\n" << dc->log_file();

  // Without a service principal for the address the KDC cannot issue the LDAP ticket: a bind
  // failure that says so.
  const ProcessResult no_spn = RunProcess(Check(*dc, {"--sasl-mech", "GSSAPI"}), env);
  EXPECT_EQ(no_spn.exit_code, 2) << no_spn.output;
  EXPECT_NE(no_spn.output.find("Kerberos (SASL GSSAPI) bind failed: the KDC knows no service "
                               "principal ldap/<host of the URI>"),
            std::string::npos)
      << no_spn.output;

  ASSERT_TRUE(AddAddressSpn(*dc, tmp));
  const ProcessResult simple = RunProcess(
      Check(*dc, {"-D", SambaDc::monitor_dn(), "--password-file", dc->monitor_password_file()}));
  ASSERT_EQ(simple.exit_code, 2) << simple.output;  // all-faults: CRITICAL findings
  ASSERT_EQ(simple.output.rfind("EXCHANGE DELIVERY CRITICAL - ", 0), 0u) << simple.output;
  const ProcessResult kerberos = RunProcess(Check(*dc, {"--sasl-mech", "GSSAPI"}), env);
  EXPECT_EQ(kerberos.exit_code, simple.exit_code) << kerberos.output;
  // stdout and stderr merged, as Icinga 2 reads them: no SASL chatter before the status line.
  EXPECT_EQ(kerberos.output.rfind("EXCHANGE DELIVERY CRITICAL - ", 0), 0u) << kerberos.output;
  // The same status line, findings and perfdata, apart from the audit's duration.
  const std::regex duration("audit_duration=[0-9.]+s");
  EXPECT_EQ(std::regex_replace(kerberos.output, duration, "audit_duration="),
            std::regex_replace(simple.output, duration, "audit_duration="));
  // The ticket really was used: the cache now holds the LDAP service ticket.
  const ProcessResult klist = RunProcess({"klist"}, env);
  EXPECT_NE(klist.output.find("ldap/" + dc->address() + "@CONTOSO.COM"), std::string::npos)
      << klist.output;

  // No ticket (an empty cache): a bind failure, so --unreachable-state decides, and the message
  // names the Kerberos bind and Kerberos' reason.
  const Env no_ticket = KerberosEnv(*dc, tmp, "empty-ccache");
  for (const auto& [state, exit_code] :
       std::vector<std::pair<std::string, int>>{{"", 2}, {"unknown", 3}, {"warning", 1}}) {
    std::vector<std::string> extra = {"--sasl-mech", "GSSAPI"};
    if (!state.empty()) extra.insert(extra.end(), {"--unreachable-state", state});
    const ProcessResult r = RunProcess(Check(*dc, extra), no_ticket);
    EXPECT_EQ(r.exit_code, exit_code) << state << ": " << r.output;
    EXPECT_EQ(r.output.rfind("EXCHANGE DELIVERY ", 0), 0u) << r.output;
    EXPECT_NE(r.output.find(dc->uri() + ": Kerberos (SASL GSSAPI) bind failed: GSSAPI Error: No "
                                        "credentials were supplied"),
              std::string::npos)
        << r.output;
  }
}

TEST(SambaKerberos, ExporterAuditsWithAKeytabTicketAndNoPassword) {
  REQUIRE_SAMBA();
  TempDir tmp;
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  auto org = GenerateOrg({SampleOrg("healthy")}, tmp.path());
  ASSERT_TRUE(org);
  AdOrganization ad;
  ASSERT_TRUE(LoadOrganization(*dc, org->ldif_path, &ad));
  ASSERT_TRUE(AddAddressSpn(*dc, tmp));
  const Env env = KerberosEnv(*dc, tmp, "ccache");
  // As the README says for a service: a keytab (here exported from the DC's own database, as
  // on a Samba DC) and kinit -k, no password anywhere.
  const std::string keytab = tmp.File("svc-monitor.keytab");
  const ProcessResult exported =
      RunProcess({"samba-tool", "domain", "exportkeytab", keytab,
                  "--principal=svc-monitor@CONTOSO.COM", "-s", dc->dir() + "/etc/smb.conf"});
  ASSERT_TRUE(exported.ok()) << exported.output;
  ProcessResult kinit;
  for (int attempt = 0; attempt < 5 && !kinit.ok(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::seconds(2));
    kinit = RunProcess({"kinit", "-k", "-t", keytab, "svc-monitor@CONTOSO.COM"}, env);
  }
  ASSERT_TRUE(kinit.ok()) << kinit.output;

  // The exporter inherits the environment, as from its systemd unit.
  for (const auto& [name, value] : env)
    setenv(name.c_str(), value.c_str(), 1);
  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--ldap.uri=" + dc->uri(), "--ldap.sasl_mech=GSSAPI", "--ldap.timeout=30",
                   "--exporter.audit_interval=1", "--exporter.state_dir=" + tmp.path()});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"audit\"} 1",
                                      std::chrono::seconds(90)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  const ProcessResult check = RunProcess(
      Check(*dc, {"-D", SambaDc::monitor_dn(), "--password-file", dc->monitor_password_file()}));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(check.output, m, std::regex("\\bgateways=([0-9]+)")))
      << check.output;
  EXPECT_EQ(SampleValue(metrics, "exchange_smtp_mailboxes"), std::stod(m[1])) << metrics;
  EXPECT_GT(std::stod(m[1]), 0);
}

}  // namespace
}  // namespace exdm::testing
