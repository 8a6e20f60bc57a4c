// Which port an LDAP URI names, and the domain controller port a repair is applied on.
#include "exdm/ad/ldap_uri.h"

#include <gtest/gtest.h>

namespace exdm {
namespace {

TEST(LdapUriTest, PortIsWrittenOrTheSchemesDefault) {
  EXPECT_EQ(LdapUriPort("ldap://dc1.contoso.com"), std::optional<int>(389));
  EXPECT_EQ(LdapUriPort("LDAPS://dc1.contoso.com/"), std::optional<int>(636));
  EXPECT_EQ(LdapUriPort("ldap://gc1:3268"), std::optional<int>(3268));
  EXPECT_EQ(LdapUriPort("ldaps://[2001:db8::1]:3269/"), std::optional<int>(3269));
  EXPECT_EQ(LdapUriPort("ldap://[2001:db8::1]"), std::optional<int>(389));
  EXPECT_FALSE(LdapUriPort("ldapi://%2Frun%2Fslapd%2Fldapi"));
  EXPECT_FALSE(LdapUriPort("ldap://dc1:"));
  EXPECT_FALSE(LdapUriPort("ldap://dc1:70000"));
  EXPECT_FALSE(LdapUriPort("ldap://dc1:3x"));
  EXPECT_FALSE(LdapUriPort("http://dc1"));
}

TEST(LdapUriTest, GlobalCatalogPortsAreReadOnlyAndMapToTheDomainControllerPort) {
  EXPECT_TRUE(IsGlobalCatalogPort("ldap://gc1:3268"));
  EXPECT_TRUE(IsGlobalCatalogPort("ldaps://gc1:3269"));
  EXPECT_FALSE(IsGlobalCatalogPort("ldap://gc1"));
  EXPECT_TRUE(IsDomainControllerPort("ldaps://dc1"));
  EXPECT_FALSE(IsDomainControllerPort("ldap://127.0.0.1:40001"));
  EXPECT_EQ(DomainControllerUri("ldap://gc1.contoso.com:3268"), "ldap://gc1.contoso.com:389");
  EXPECT_EQ(DomainControllerUri("ldaps://gc1.contoso.com:3269/"), "ldaps://gc1.contoso.com:636");
  EXPECT_EQ(DomainControllerUri("ldaps://[2001:db8::1]:3269"), "ldaps://[2001:db8::1]:636");
  EXPECT_EQ(DomainControllerUri("ldap://dc1:389"), "ldap://dc1:389");
  EXPECT_EQ(DomainControllerUri("ldap://127.0.0.1:40001/"), "ldap://127.0.0.1:389");
  EXPECT_EQ(DomainControllerUri("ldapi://%2Frun"), "ldapi://%2Frun");
}

}  // namespace
}  // namespace exdm
