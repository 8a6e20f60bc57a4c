// The Samba AD DC fixture itself, and the Active Directory behaviour the audit relies on, checked
// against the real thing: the schema extension took (classes, linked homeMDB with its back link),
// deleting a store drops the gateways' homeMDB, deleting an MTA leaves homeMTA naming its
// tombstone, AD assigns objectGUIDs, pages at 1000, refers domain searches to the configuration
// partition, and serves LDAPS with the fixture's CA.
#include "samba_fixture.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <regex>
#include <string>

#include "process.h"

namespace exdm::testing {
namespace {

const std::string kOrg =
    "CN=Contoso,CN=Microsoft Exchange,CN=Services," + SambaDc::configuration_dn();
const std::string kServer =
    "CN=EXCH01,CN=Servers,CN=First Administrative Group,CN=Administrative Groups," + kOrg;
const std::string kMta = "CN=Microsoft MTA," + kServer;
const std::string kStore =
    "CN=Mailbox Store (EXCH01),CN=First Storage Group,CN=InformationStore," + kServer;
const std::string kGateway = "CN=SMTP (EXCH01-{test}),CN=Connections," + kOrg;

bool ProcessExists(pid_t pid) {
  return kill(pid, 0) == 0 || errno != ESRCH;
}

std::string WriteFile(const SambaDc& dc, const std::string& name, const std::string& text) {
  std::string path = dc.dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// One server with one store and its MTA, and a gateway naming both.
std::string MinimalOrgLdif() {
  std::string ag = "CN=First Administrative Group,CN=Administrative Groups," + kOrg;
  return "dn: CN=Microsoft Exchange,CN=Services," + SambaDc::configuration_dn() +
         "\nobjectClass: msExchConfigurationContainer\n\n"
         "dn: " +
         kOrg +
         "\nobjectClass: msExchOrganizationContainer\nlegacyExchangeDN: /o=Contoso\n\n"
         "dn: CN=Connections," +
         kOrg +
         "\nobjectClass: msExchConnectors\n\n"
         "dn: CN=Administrative Groups," +
         kOrg +
         "\nobjectClass: msExchAdminGroupContainer\n\n"
         "dn: " +
         ag +
         "\nobjectClass: msExchAdminGroup\n"
         "legacyExchangeDN: /o=Contoso/ou=First Administrative Group\n\n"
         "dn: CN=Servers," +
         ag +
         "\nobjectClass: msExchServersContainer\n\n"
         "dn: " +
         kServer +
         "\nobjectClass: msExchExchangeServer\n\n"
         "dn: " +
         kMta +
         "\nobjectClass: mTA\n\n"
         "dn: CN=InformationStore," +
         kServer +
         "\nobjectClass: msExchInformationStore\n\n"
         "dn: CN=First Storage Group,CN=InformationStore," +
         kServer +
         "\nobjectClass: msExchStorageGroup\n\n"
         "dn: " +
         kStore + "\nobjectClass: msExchPrivateMDB\nmsExchOwningServer: " + kServer +
         "\n\n"
         "dn: " +
         kGateway + "\nobjectClass: mailGateway\nhomeMDB: " + kStore + "\nhomeMTA: " + kMta +
         "\ndeliveryMechanism: 2\n";
}

TEST(SambaFixture, StartsAnswersAndLeavesNothingBehind) {
  REQUIRE_SAMBA();
  pid_t pid = -1;
  std::string dir;
  {
    auto dc = SambaDc::Start();
    ASSERT_TRUE(dc);
    pid = dc->pid();
    dir = dc->dir();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(ProcessExists(pid));
    // The monitoring account is an ordinary user that can bind and read the configuration NC.
    ProcessResult r = RunProcess({"ldapsearch", "-LLL", "-x", "-H", dc->uri(), "-D",
                                  SambaDc::monitor_dn(), "-y", dc->monitor_password_file(), "-b",
                                  SambaDc::configuration_dn(), "-s", "base", "dn"});
    ASSERT_TRUE(r.ok()) << r.output;
    EXPECT_EQ(r.output, "dn: " + SambaDc::configuration_dn() + "\n\n");
    std::printf("samba fixture: template %.1fs (0 when cached), start %.2fs\n",
                dc->template_seconds(), dc->start_seconds());
    RecordProperty("start_seconds", std::to_string(dc->start_seconds()));
  }
  EXPECT_FALSE(ProcessExists(pid)) << "samba " << pid << " still running";
  EXPECT_FALSE(std::ifstream(dir + "/etc/smb.conf").good()) << dir << " not removed";
}

TEST(SambaFixture, RootDsePublishesNamingContextsAndDomainSearchesReferToConfiguration) {
  REQUIRE_SAMBA();
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  ProcessResult dse = RunProcess({"ldapsearch", "-LLL", "-x", "-H", dc->uri(), "-b", "", "-s",
                                  "base", "configurationNamingContext", "defaultNamingContext"});
  ASSERT_TRUE(dse.ok()) << dse.output;
  EXPECT_NE(dse.output.find("configurationNamingContext: CN=Configuration,DC=contoso,DC=com\n"),
            std::string::npos)
      << dse.output;
  EXPECT_NE(dse.output.find("defaultNamingContext: DC=contoso,DC=com\n"), std::string::npos);

  // The configuration NC is its own partition: a subtree search based on the domain finds none of
  // its objects and returns a referral instead.
  ProcessResult r = dc->Search(SambaDc::domain_dn(), "sub", "(cn=Services)", {"dn"});
  EXPECT_EQ(r.output.find("dn: CN=Services,CN=Configuration"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("CN=Configuration,DC=contoso,DC=com"), std::string::npos)
      << "expected a referral to the configuration partition:\n"
      << r.output;
}

TEST(SambaFixture, SchemaHasTheExchangeClassesAndALinkedHomeMdb) {
  REQUIRE_SAMBA();
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  for (const char* name :
       {"msExchOrganizationContainer", "msExchAdminGroupContainer", "msExchAdminGroup",
        "msExchServersContainer", "msExchExchangeServer", "mTA", "msExchInformationStore",
        "msExchStorageGroup", "msExchMDB", "msExchPrivateMDB", "msExchPublicMDB",
        "msExchConnectors", "mailGateway", "msExchRoutingGroupContainer", "msExchRoutingGroup",
        "msExchRoutingSMTPConnector", "msExchSystemObjectsContainer", "msExchSystemMailbox"}) {
    ProcessResult r =
        dc->Search(SambaDc::schema_dn(), "one",
                   std::string("(&(objectClass=classSchema)(lDAPDisplayName=") + name + "))",
                   {"lDAPDisplayName"});
    EXPECT_NE(r.output.find(std::string("lDAPDisplayName: ") + name + "\n"), std::string::npos)
        << name << ":\n"
        << r.output;
  }
  ProcessResult smtp = dc->Search(SambaDc::schema_dn(), "one",
                                  "(lDAPDisplayName=msExchRoutingSMTPConnector)", {"subClassOf"});
  EXPECT_NE(smtp.output.find("subClassOf: mailGateway\n"), std::string::npos) << smtp.output;

  ProcessResult links =
      dc->Search(SambaDc::schema_dn(), "one",
                 "(|(lDAPDisplayName=homeMDB)(lDAPDisplayName=homeMDBBL)(lDAPDisplayName=homeMTA))",
                 {"lDAPDisplayName", "attributeID", "linkID"});
  ASSERT_TRUE(links.ok()) << links.output;
  EXPECT_NE(links.output.find("attributeID: 1.2.840.113556.1.2.244\nlinkID: 32\n"
                              "lDAPDisplayName: homeMDB\n"),
            std::string::npos)
      << links.output;
  EXPECT_NE(links.output.find("attributeID: 1.2.840.113556.1.2.393\nlinkID: 33\n"
                              "lDAPDisplayName: homeMDBBL\n"),
            std::string::npos)
      << links.output;
  EXPECT_NE(links.output.find("attributeID: 1.2.840.113556.1.2.171\nlDAPDisplayName: homeMTA\n"),
            std::string::npos)
      << "homeMTA must be a plain (unlinked) DN:\n"
      << links.output;
}

TEST(SambaFixture, DeletingAStoreDropsTheGatewaysHomeMdb) {
  REQUIRE_SAMBA();
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  ASSERT_TRUE(dc->Add(WriteFile(*dc, "org.ldif", MinimalOrgLdif())));

  ProcessResult before = dc->Search(kGateway, "base", "(objectClass=*)", {"homeMDB"});
  EXPECT_NE(before.output.find("homeMDB: " + kStore + "\n"), std::string::npos) << before.output;
  ProcessResult back_link = dc->Search(kStore, "base", "(objectClass=*)", {"homeMDBBL"});
  EXPECT_NE(back_link.output.find("homeMDBBL: " + kGateway + "\n"), std::string::npos)
      << "AD maintains the back link on the store:\n"
      << back_link.output;

  ASSERT_TRUE(dc->Delete(kStore));
  ProcessResult after = dc->Search(kGateway, "base", "(objectClass=*)", {"homeMDB", "homeMTA"});
  ASSERT_TRUE(after.ok()) << after.output;
  EXPECT_EQ(after.output.find("homeMDB:"), std::string::npos)
      << "a linked homeMDB vanishes with its store:\n"
      << after.output;
  EXPECT_NE(after.output.find("homeMTA: " + kMta + "\n"), std::string::npos) << after.output;
}

TEST(SambaFixture, DeletingTheMtaLeavesHomeMtaNamingItsTombstone) {
  REQUIRE_SAMBA();
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  ASSERT_TRUE(dc->Add(WriteFile(*dc, "org.ldif", MinimalOrgLdif())));
  ASSERT_TRUE(dc->Delete(kMta));
  ProcessResult r = dc->Search(kGateway, "base", "(objectClass=*)", {"homeMTA"});
  ASSERT_TRUE(r.ok()) << r.output;
  // ldapsearch prints the DN's escaped newline as the two characters "\0A".
  static const std::regex kTombstone(
      R"(homeMTA: CN=Microsoft MTA\\0ADEL:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-)"
      R"([0-9a-f]{12},CN=Deleted Objects,CN=Configuration,DC=contoso,DC=com\n)");
  EXPECT_TRUE(std::regex_search(r.output, kTombstone)) << r.output;
}

TEST(SambaFixture, AdAssignsObjectGuidsAndEnforcesTheGatewaysMandatoryAttributes) {
  REQUIRE_SAMBA();
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  ASSERT_TRUE(dc->Add(WriteFile(*dc, "org.ldif", MinimalOrgLdif())));
  ProcessResult guid = dc->Search(kStore, "base", "(objectClass=*)", {"objectGUID"});
  EXPECT_NE(guid.output.find("objectGUID:: "), std::string::npos) << guid.output;

  // A client cannot choose the objectGUID (remediation LDIF must not carry one) ...
  std::string with_guid = "dn: CN=SMTP (EXCH01-{guid}),CN=Connections," + kOrg +
                          "\nobjectClass: mailGateway\nhomeMTA: " + kMta +
                          "\ndeliveryMechanism: 2\nobjectGUID:: u4VDPkN860+OopfGXMBqvw==\n";
  EXPECT_FALSE(dc->Add(WriteFile(*dc, "guid.ldif", with_guid)));
  // ... and mailGateway requires homeMTA and deliveryMechanism, as Exchange's schema does.
  std::string without_mta = "dn: CN=SMTP (EXCH01-{nomta}),CN=Connections," + kOrg +
                            "\nobjectClass: mailGateway\ndeliveryMechanism: 2\n";
  ::testing::AssertionResult refused = dc->Add(WriteFile(*dc, "nomta.ldif", without_mta));
  EXPECT_FALSE(refused);
  EXPECT_NE(std::string(refused.message()).find("Object class violation"), std::string::npos)
      << refused.message();
}

// Samba 4.17 publishes AD's MaxPageSize=1000 (lDAPAdminLimits) but does not enforce it: unpaged
// searches return everything. The slapd fixture enforces the limit; here we check that paging
// across more than a page works and that the policy is what AD's is.
TEST(SambaFixture, PublishesMaxPageSizeAndPagesBeyondIt) {
  REQUIRE_SAMBA();
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  ProcessResult policy = dc->Search(
      "CN=Default Query Policy,CN=Query-Policies,CN=Directory Service,CN=Windows NT,CN=Services," +
          SambaDc::configuration_dn(),
      "base", "(objectClass=*)", {"lDAPAdminLimits"});
  EXPECT_NE(policy.output.find("lDAPAdminLimits: MaxPageSize=1000\n"), std::string::npos)
      << policy.output;

  std::string ldif = "dn: OU=Many," + SambaDc::domain_dn() + "\nobjectClass: organizationalUnit\n";
  for (int i = 0; i < 1100; ++i) {
    ldif += "\ndn: CN=c" + std::to_string(i) + ",OU=Many," + SambaDc::domain_dn() +
            "\nobjectClass: container\n";
  }
  ASSERT_TRUE(dc->Add(WriteFile(*dc, "many.ldif", ldif)));
  ProcessResult paged = dc->Search("OU=Many," + SambaDc::domain_dn(), "one", "(cn=*)", {"1.1"});
  ASSERT_TRUE(paged.ok()) << paged.output.substr(0, 300);
  size_t count = 0;
  for (size_t pos = 0; (pos = paged.output.find("dn: ", pos)) != std::string::npos; ++pos)
    ++count;
  EXPECT_EQ(count, 1100u);
}

TEST(SambaFixture, LdapsIsVerifiedAgainstTheFixtureCa) {
  REQUIRE_SAMBA();
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  std::vector<std::string> search = {"ldapsearch",
                                     "-LLL",
                                     "-x",
                                     "-H",
                                     dc->ldaps_uri(),
                                     "-D",
                                     SambaDc::monitor_dn(),
                                     "-y",
                                     dc->monitor_password_file(),
                                     "-b",
                                     "",
                                     "-s",
                                     "base",
                                     "defaultNamingContext"};
  // Without the CA (libldap's default: the system trust store) the certificate is refused.
  ProcessResult untrusted = RunProcess(search, {{"LDAPTLS_REQCERT", "demand"}});
  EXPECT_FALSE(untrusted.ok()) << untrusted.output;
  ProcessResult trusted = RunProcess(search, {{"LDAPTLS_CACERT", dc->ca_file()}});
  EXPECT_TRUE(trusted.ok()) << trusted.output;
  EXPECT_NE(trusted.output.find("defaultNamingContext: DC=contoso,DC=com"), std::string::npos);
}

}  // namespace
}  // namespace exdm::testing
