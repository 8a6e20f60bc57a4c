// check_exchange_delivery mailbox against a real slapd when things go wrong: unreachable server,
// refused bind, nonexistent base, a server that accepts and never answers (plain and TLS), TLS
// verification. Each ends with the documented exit code within the deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "paths.h"
#include "process.h"
#include "slapd_fixture.h"

namespace exdm::testing {
namespace {

// One server, one storage group, one store with a correct SMTP mailbox and system mailbox.
constexpr const char kMiniOrg[] =
    R"(dn: CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchConfigurationContainer
cn: Microsoft Exchange

dn: CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchOrganizationContainer
cn: Contoso
legacyExchangeDN: /o=Contoso

dn: CN=Connections,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchConnectors
cn: Connections

dn: CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchAdminGroupContainer
cn: Administrative Groups

dn: CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchAdminGroup
cn: AG
legacyExchangeDN: /o=Contoso/ou=AG

dn: CN=Servers,CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchServersContainer
cn: Servers

dn: CN=EXCH01,CN=Servers,CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchExchangeServer
cn: EXCH01

dn: CN=Microsoft MTA,CN=EXCH01,CN=Servers,CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: mTA
cn: Microsoft MTA

dn: CN=InformationStore,CN=EXCH01,CN=Servers,CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchInformationStore
cn: InformationStore

dn: CN=SG1,CN=InformationStore,CN=EXCH01,CN=Servers,CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchStorageGroup
cn: SG1

dn: CN=Store,CN=SG1,CN=InformationStore,CN=EXCH01,CN=Servers,CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: msExchMDB
objectClass: msExchPrivateMDB
cn: Store
objectGUID:: u4VDPkN860+OopfGXMBqvw==

dn: CN=SMTP (EXCH01-{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}),CN=Connections,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
objectClass: mailGateway
cn: SMTP (EXCH01-{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF})
homeMDB: CN=Store,CN=SG1,CN=InformationStore,CN=EXCH01,CN=Servers,CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
homeMTA: CN=Microsoft MTA,CN=EXCH01,CN=Servers,CN=AG,CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com
deliveryMechanism: 2
legacyExchangeDN: /o=Contoso/ou=AG/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}

dn: CN=Microsoft Exchange System Objects,DC=contoso,DC=com
objectClass: msExchSystemObjectsContainer
cn: Microsoft Exchange System Objects

dn: CN=SystemMailbox{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF},CN=Microsoft Exchange System Objects,DC=contoso,DC=com
objectClass: msExchSystemMailbox
cn: SystemMailbox{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}
)";

std::unique_ptr<Slapd> StartWithMiniOrg(Slapd::Options options = {}) {
  auto slapd = Slapd::Start(options);
  if (!slapd) return nullptr;
  const std::string ldif = slapd->dir() + "/mini-org.ldif";
  std::ofstream(ldif) << kMiniOrg;
  EXPECT_TRUE(slapd->Load(ldif));
  return slapd;
}

struct Timed {
  ProcessResult result;
  double seconds;
};

Timed RunCheck(std::vector<std::string> args,
               const std::vector<std::pair<std::string, std::string>>& env = {}) {
  args.insert(args.begin(), {CheckBinary(), "mailbox"});
  const auto start = std::chrono::steady_clock::now();
  ProcessResult r = RunProcess(args, env);
  return {r, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

std::vector<std::string> Monitor(const Slapd& s, const std::string& uri) {
  return {"-H", uri, "-D", s.monitor_dn(), "--password-file", s.monitor_password_file()};
}

std::vector<std::string> Plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(MailboxErrors, HealthyMiniOrgIsOk) {
  auto slapd = StartWithMiniOrg();
  ASSERT_TRUE(slapd);
  Timed t = RunCheck(Monitor(*slapd, slapd->uri()));
  EXPECT_EQ(t.result.exit_code, 0) << t.result.output;
  EXPECT_EQ(t.result.output.rfind("EXCHANGE DELIVERY OK - 1 store on 1 server", 0), 0u)
      << t.result.output;
  EXPECT_NE(t.result.output.find("stores=1"), std::string::npos);
  EXPECT_NE(t.result.output.find("gateways=1"), std::string::npos);
}

TEST(MailboxErrors, PasswordFromEnvironment) {
  auto slapd = StartWithMiniOrg();
  ASSERT_TRUE(slapd);
  std::string password;
  std::getline(std::ifstream(slapd->monitor_password_file()), password);
  Timed t = RunCheck({"-H", slapd->uri(), "-D", slapd->monitor_dn(), "--password-env", "EXDM_PW"},
                     {{"EXDM_PW", password}});
  EXPECT_EQ(t.result.exit_code, 0) << t.result.output;
}

TEST(MailboxErrors, UnreachableServerIsUnreachableState) {
  Timed t = RunCheck({"-H", "ldap://127.0.0.1:1", "-t", "5"});
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output;
  EXPECT_NE(t.result.output.find("ldap://127.0.0.1:1"), std::string::npos) << t.result.output;
  EXPECT_LT(t.seconds, 5.0);
  t = RunCheck({"-H", "ldap://127.0.0.1:1", "--unreachable-state", "WARNING"});
  EXPECT_EQ(t.result.exit_code, 1) << t.result.output;
}

TEST(MailboxErrors, RefusedBindIsUnreachableState) {
  auto slapd = StartWithMiniOrg();
  ASSERT_TRUE(slapd);
  const std::string bad = slapd->dir() + "/wrong.secret";
  std::ofstream(bad) << "wrong-password\n";
  Timed t = RunCheck({"-H", slapd->uri(), "-D", slapd->monitor_dn(), "--password-file", bad});
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output;
  // With the result code: admins search for "(49)" (AD adds "data 52e" and the like).
  EXPECT_NE(t.result.output.find("Invalid credentials (49)"), std::string::npos) << t.result.output;
  t = RunCheck({"-H", slapd->uri(), "-D", slapd->monitor_dn(), "--password-file", bad,
                "--unreachable-state", "UNKNOWN"});
  EXPECT_EQ(t.result.exit_code, 3) << t.result.output;
}

TEST(MailboxErrors, NonexistentBaseIsUnknown) {
  auto slapd = StartWithMiniOrg();
  ASSERT_TRUE(slapd);
  Timed t = RunCheck(Plus(Monitor(*slapd, slapd->uri()), {"-b", "CN=Nope,DC=contoso,DC=com"}));
  EXPECT_EQ(t.result.exit_code, 3) << t.result.output;
  EXPECT_NE(t.result.output.find("No such object (32)"), std::string::npos) << t.result.output;
}

TEST(MailboxErrors, SuspendedServerEndsAtTheDeadline) {
  auto slapd = StartWithMiniOrg();
  ASSERT_TRUE(slapd);
  slapd->Suspend();
  Timed t = RunCheck(Plus(Monitor(*slapd, slapd->uri()), {"-t", "3"}));
  EXPECT_EQ(t.result.exit_code, 3) << t.result.output;
  EXPECT_NE(t.result.output.find("deadline"), std::string::npos) << t.result.output;
  EXPECT_GT(t.seconds, 2.5);
  EXPECT_LT(t.seconds, 4.5);  // the message above: our deadline, not the -t alarm
  t = RunCheck(Plus(Monitor(*slapd, slapd->uri()), {"-t", "2:CRITICAL"}));
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output;
  EXPECT_NE(t.result.output.find("deadline"), std::string::npos) << t.result.output;
  EXPECT_LT(t.seconds, 3.5);
  slapd->Resume();
}

TEST(MailboxErrors, TlsVerifiesByDefault) {
  auto slapd = StartWithMiniOrg(Slapd::Options().WithTls());
  ASSERT_TRUE(slapd);
  const auto status_line = [](const Timed& t) {
    return t.result.output.substr(0, t.result.output.find('\n'));
  };
  // Without the CA the certificate cannot be verified: unreachable, not silently accepted, and
  // the status line says why and what fixes it (libldap itself only says "Can't contact LDAP
  // server"), the reason first.
  Timed t = RunCheck(Monitor(*slapd, slapd->ldaps_uri()), {{"LDAPTLS_CACERT", "/nonexistent"}});
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output;
  EXPECT_EQ(status_line(t).find("EXCHANGE DELIVERY CRITICAL - " + slapd->ldaps_uri() +
                                ": TLS certificate verification failed during connect: "
                                "CN=localhost issued by CN=exdm test CA"),
            0u)
      << t.result.output;
  // The advice, whole in the long output (the summary is cut at 200 bytes).
  EXPECT_NE(t.result.output.find("CN=exdm test CA; give the issuing CA's certificate (PEM) with "
                                 "--ca-file; or the URI's host is not a name in it; "
                                 "--insecure-skip-verify only as a last resort\n"),
            std::string::npos)
      << t.result.output;
  EXPECT_EQ(t.result.output.find("Can't contact"), std::string::npos) << t.result.output;
  // StartTLS the same way; a CA file that does not hold the issuer is named.
  t = RunCheck(Plus(Monitor(*slapd, slapd->uri()), {"--starttls"}),
               {{"LDAPTLS_CACERT", "/nonexistent"}});
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output;
  EXPECT_NE(
      status_line(t).find(slapd->uri() + ": TLS certificate verification failed during StartTLS: "
                                         "CN=localhost issued by CN=exdm test CA"),
      std::string::npos)
      << t.result.output;
  const std::string other_ca = slapd->dir() + "/other-ca.pem";  // some other CA
  const ProcessResult made =
      RunProcess({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                  "/CN=other CA", "-keyout", slapd->dir() + "/other-ca.key", "-out", other_ca});
  ASSERT_TRUE(made.ok()) << made.output;
  t = RunCheck(Plus(Monitor(*slapd, slapd->ldaps_uri()), {"--ca-file", other_ca}));
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output;
  EXPECT_NE(t.result.output.find("CN=exdm test CA; --ca-file " + other_ca +
                                 " does not hold the issuing CA's certificate"),
            std::string::npos)
      << t.result.output;
  t = RunCheck(Plus(Monitor(*slapd, slapd->ldaps_uri()), {"--ca-file", slapd->ca_file()}));
  EXPECT_EQ(t.result.exit_code, 0) << t.result.output;
  t = RunCheck(Plus(Monitor(*slapd, slapd->uri()), {"--starttls", "--ca-file", slapd->ca_file()}));
  EXPECT_EQ(t.result.exit_code, 0) << t.result.output;
  t = RunCheck(Plus(Monitor(*slapd, slapd->ldaps_uri()), {"--insecure-skip-verify"}));
  EXPECT_EQ(t.result.exit_code, 0) << t.result.output;
  EXPECT_NE(t.result.output.find("insecure-skip-verify"), std::string::npos);
}

TEST(MailboxErrors, SuspendedTlsServerEndsAtTheDeadline) {
  auto slapd = StartWithMiniOrg(Slapd::Options().WithTls());
  ASSERT_TRUE(slapd);
  slapd->Suspend();
  Timed t = RunCheck(
      Plus(Monitor(*slapd, slapd->ldaps_uri()), {"--ca-file", slapd->ca_file(), "-t", "3"}));
  EXPECT_EQ(t.result.exit_code, 3) << t.result.output;
  EXPECT_NE(t.result.output.find("deadline"), std::string::npos) << t.result.output;
  EXPECT_LT(t.seconds, 4.5);
  slapd->Resume();
}

}  // namespace
}  // namespace exdm::testing
