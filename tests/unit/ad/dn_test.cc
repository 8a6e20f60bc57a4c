// RFC 4514 DN parsing and case-folded comparison.
#include "exdm/ad/dn.h"

#include <gtest/gtest.h>

#include "exdm/ad/ldap_filter.h"

namespace exdm {
namespace {

Dn P(const char* text) {
  auto dn = Dn::Parse(text);
  EXPECT_TRUE(dn.ok()) << text << ": " << dn.status().message();
  return dn.ok() ? *dn : Dn();
}

TEST(DnTest, ParsesRdnsLeafFirst) {
  Dn dn = P("CN=Mailbox Store (EXCH01),CN=First Storage Group,CN=InformationStore,DC=contoso");
  ASSERT_EQ(dn.size(), 4u);
  EXPECT_EQ(dn.LeafValue(), "Mailbox Store (EXCH01)");
  EXPECT_EQ(dn.rdns()[3][0].type, "DC");
  EXPECT_EQ(dn.Parent().LeafValue(), "First Storage Group");
}

TEST(DnTest, ComparesCaseFoldedNeverRaw) {
  EXPECT_EQ(P("CN=Microsoft MTA,CN=EXCH01,DC=Contoso,DC=com"),
            P("cn=microsoft mta, cn=exch01 ,dc=contoso,dc=COM"));
  EXPECT_EQ(P("CN=a\\2Cb,DC=x"), P("cn=A\\,B,dc=X"));
  EXPECT_EQ(P("CN=Ünïcode,DC=x"), P("CN=ünïcode,DC=x"));
  EXPECT_EQ(P("CN=Почта,DC=x"), P("cn=почта,dc=x"));
  EXPECT_NE(P("CN=a,DC=x"), P("CN=a,DC=y"));
  EXPECT_NE(P("CN=a\\,b,DC=x"), P("CN=a,CN=b,DC=x"));
}

TEST(DnTest, UnescapesSpecialsAndHexPairs) {
  Dn dn = P("CN=Microsoft MTA\\0ADEL:3e4385bb-7c43-4feb-8ea2-97c65cc06abf,CN=Deleted Objects,DC=x");
  EXPECT_EQ(dn.LeafValue(), "Microsoft MTA\nDEL:3e4385bb-7c43-4feb-8ea2-97c65cc06abf");
  EXPECT_EQ(P("CN=\\\"q\\\" \\+\\;\\<\\>\\\\,DC=x").LeafValue(), "\"q\" +;<>\\");
  EXPECT_EQ(P("CN=\\20lead and trail\\20,DC=x").LeafValue(), " lead and trail ");
  EXPECT_EQ(P("CN=trailing   ,DC=x").LeafValue(), "trailing");
  EXPECT_EQ(P("CN=\\C3\\9Cber,DC=x").LeafValue(),
            "\xc3\x9c"
            "ber");
  EXPECT_EQ(P("CN=#04024869,DC=x").LeafValue(), "Hi");
}

TEST(DnTest, RoundTripsThroughToString) {
  for (const char* text : {"CN=a\\,b\\+c,CN=Connections,DC=x", "CN=line\\0Abreak,DC=x",
                           "CN=\\#hash,DC=x", "CN=\\20edge\\20,DC=x", "CN=(*)\\\\,O=y"}) {
    Dn dn = P(text);
    auto again = Dn::Parse(dn.ToString());
    ASSERT_TRUE(again.ok()) << dn.ToString();
    EXPECT_EQ(*again, dn) << text;
    EXPECT_EQ(again->LeafValue(), dn.LeafValue());
  }
  EXPECT_EQ(P("CN=line\\0abreak,DC=x").ToString(), "CN=line\\0Abreak,DC=x");
  EXPECT_EQ(P("cn=a,ou=b,dc=x,objectGUID=y").ToString(), "CN=a,OU=b,DC=x,objectGUID=y");
}

TEST(DnTest, MultiValuedRdnsCompareInAnyOrder) {
  EXPECT_EQ(P("CN=a+OU=b,DC=x"), P("ou=B+cn=A,dc=x"));
}

TEST(DnTest, ParentChildAndAncestry) {
  Dn org = P("CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com");
  Dn conn = org.Child("CN", "Connections");
  Dn gw = conn.Child("CN", "SMTP (EXCH01-{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF})");
  EXPECT_TRUE(conn.IsParentOf(gw));
  EXPECT_TRUE(org.IsAncestorOf(gw));
  EXPECT_FALSE(org.IsParentOf(gw));
  EXPECT_FALSE(gw.IsAncestorOf(org));
  EXPECT_EQ(gw.Parent(), conn);
  EXPECT_EQ(gw.Parent().Parent(), org);
  EXPECT_EQ(P("cn=connections,CN=contoso,cn=microsoft exchange,CN=Services,CN=Configuration,"
              "DC=contoso,DC=com"),
            conn);
  Dn routing_conn =
      P("CN=Connections,CN=RG,CN=Routing Groups,CN=AG,CN=Administrative Groups,"
        "CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com");
  EXPECT_FALSE(conn.IsParentOf(routing_conn.Child("CN", "SMTP Connector")));
  EXPECT_EQ(Dn().Parent(), Dn());
  EXPECT_TRUE(P("").empty());
}

TEST(DnTest, RejectsMalformedText) {
  for (const char* text : {"CN", "=x", "CN=a,", "CN=a\\", "CN=a\\4", "CN=a\\zz,DC=x", "C N=a",
                           "CN=\"quoted\"", "CN=#0", "CN=#0405ab"}) {
    EXPECT_FALSE(Dn::Parse(text).ok()) << text;
  }
}

TEST(DnTest, ParseLeafValueAgreesWithParse) {
  for (const char* text :
       {"CN=SystemMailbox{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF},CN=Microsoft Exchange System "
        "Objects,DC=contoso,DC=com",
        "cn=a\\2Cb+ou=x,dc=y", "CN=#04024869,DC=x", "CN=trailing   ,DC=x", "", "   "}) {
    auto leaf = Dn::ParseLeafValue(text);
    ASSERT_TRUE(leaf.ok()) << text;
    EXPECT_EQ(*leaf, P(text).LeafValue()) << text;
  }
  // The whole text is checked, not only the leaf.
  for (const char* text : {"CN=a,", "CN=a,DC=\\zz", "CN=a,C N=b", "CN=a,=x"}) {
    EXPECT_FALSE(Dn::ParseLeafValue(text).ok()) << text;
    EXPECT_FALSE(Dn::Parse(text).ok()) << text;
  }
}

TEST(LdapFilterTest, EscapesRfc4515Specials) {
  EXPECT_EQ(EscapeFilterValue("Store (1)*\\x"), "Store \\281\\29\\2a\\5cx");
  EXPECT_EQ(EscapeFilterValue(std::string("a\0b\nc", 5)), "a\\00b\\0ac");
  EXPECT_EQ(EscapeFilterValue("Ünï"), "Ünï");
  EXPECT_EQ(EscapeFilterBytes(std::string("\x00\xff(", 3)), "\\00\\ff\\28");
}

TEST(DnTest, FoldingLeavesOverlongUtf8AloneAndIsIdempotent) {
  // Overlong encodings of 'A' and ' ' are not letters or spaces: no key collision with ASCII.
  EXPECT_NE(FoldDirectoryString("\xC1\x81"), FoldDirectoryString("a"));
  EXPECT_EQ(FoldDirectoryString("\xC1\x81"), "\xC1\x81");
  for (const std::string text : {"x\xC0\xA0 ", " \xC0\xA0y", "\xC3\x9C \xD0\x96  z", "\xC0"}) {
    const std::string once = FoldDirectoryString(text);
    EXPECT_EQ(FoldDirectoryString(once), once) << text;
  }
  EXPECT_EQ(FoldDirectoryString("\xC3\x9C\xD0\x96"), "\xC3\xBC\xD0\xB6");  // Ü Ж -> ü ж
}

}  // namespace
}  // namespace exdm
