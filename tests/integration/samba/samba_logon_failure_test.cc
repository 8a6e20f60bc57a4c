// The 326 GUID search (exdm/logon_failure_lookup.h) against a Samba AD DC, where objectGUID is
// assigned by AD and matched as the 16 bytes AD stores: the escaped binary filter finds a store
// the audit left out, the event's DN finds a gateway by legacyExchangeDN, and a GUID nobody has
// is reported as such.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exdm/ad/ldap_client.h"
#include "exdm/base/deadline.h"
#include "exdm/base/guid.h"
#include "exdm/diagnosis/logon_failure_lookup.h"
#include "org_fixture.h"
#include "samba_fixture.h"
#include "samba_org_loader.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

TEST(SambaLogonFailureLookup, FindsStoresByObjectGuidAndGatewaysByLegacyDn) {
  REQUIRE_SAMBA();
  TempDir tmp;
  auto dc = SambaDc::Start();
  ASSERT_TRUE(dc);
  auto org = GenerateOrg({SampleOrg("demo")}, tmp.path());
  ASSERT_TRUE(org);
  AdOrganization ad;
  ASSERT_TRUE(LoadOrganization(*dc, org->ldif_path, &ad));
  std::string exch01_store, exch02_store;  // AD's GUIDs
  for (const auto& s : org->manifest["stores"]) {
    const std::string guid = ad.Rewrite(s["guid"].get<std::string>());
    if (s["store"] == "Mailbox Store (EXCH01)") exch01_store = guid;
    if (s["store"] == "Mailbox Store (EXCH02)") exch02_store = guid;
  }
  ASSERT_FALSE(exch01_store.empty());
  ASSERT_FALSE(exch02_store.empty());
  const std::string prefix =
      "/o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/cn=SMTP (";
  auto legacy = [&](const std::string& server, const std::string& guid) {
    return prefix + server + ")/cn=" + Guid::Parse(guid)->ToBracedUpper();
  };
  const std::string nobody = "abcdef01-2345-4678-9abc-def012345678";

  LogonFailureLookup lookup;
  lookup.connection.uri = dc->uri();
  lookup.connection.bind_dn = SambaDc::monitor_dn();
  std::string warning;
  auto password = ReadPasswordFile(dc->monitor_password_file(), &warning,
                                   Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(password.ok()) << password.status().message();
  lookup.connection.password = *password;
  lookup.audited_servers = {"EXCH01"};  // as with -s EXCH01
  std::vector<UnmatchedLogonFailure> unmatched = {
      {"EXCH02", exch02_store, legacy("EXCH02", exch02_store), 1, ""},
      // A GUID nothing has, but the DN of EXCH01's correct SMTP mailbox (found by that DN).
      {"EXCH01", nobody, legacy("EXCH01", exch01_store), 1, ""},
      {"EXCH01", nobody, legacy("EXCH01", nobody), 1, ""},
  };
  Status s =
      ExplainUnmatchedLogonFailures(lookup, unmatched, Deadline::After(std::chrono::seconds(60)));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(unmatched[0].found,
            "the GUID is the store EXCH02 / First Storage Group / Mailbox Store (EXCH02), on a "
            "server outside the audit (-s)");
  EXPECT_EQ(unmatched[1].found.rfind("no object has that objectGUID; CN=SMTP (EXCH01-" +
                                         Guid::Parse(exch01_store)->ToBracedUpper() +
                                         "),CN=Connections,CN=Contoso,",
                                     0),
            0u)
      << unmatched[1].found << "\nAD's GUID of Mailbox Store (EXCH01): " << exch01_store;
  EXPECT_NE(unmatched[1].found.find(" (mailGateway) has the event's DN as legacyExchangeDN, "
                                    "homeMDB CN=Mailbox Store (EXCH01),"),
            std::string::npos)
      << unmatched[1].found;
  EXPECT_EQ(unmatched[2].found.rfind("GUID names no store in AD", 0), 0u) << unmatched[2].found;
}

}  // namespace
}  // namespace exdm::testing
