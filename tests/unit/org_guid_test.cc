// The organization generator's GUID helpers (tests/generators/org_guid.h).
#include "../generators/org_guid.h"

#include <gtest/gtest.h>

namespace exdm::gen {
namespace {

TEST(OrgGuidTest, TextFormReversesTheFirstThreeFieldsLikeDomainMd) {
  const GuidBytes bytes = {0xbb, 0x85, 0x43, 0x3e, 0x43, 0x7c, 0xeb, 0x4f,
                           0x8e, 0xa2, 0x97, 0xc6, 0x5c, 0xc0, 0x6a, 0xbf};
  EXPECT_EQ(GuidText(bytes), "3e4385bb-7c43-4feb-8ea2-97c65cc06abf");
  EXPECT_EQ(GuidBraced(bytes), "{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}");
}

TEST(OrgGuidTest, DeterministicGuidDependsOnlyOnSeedAndKey) {
  EXPECT_EQ(DeterministicGuid(1, "CN=a"), DeterministicGuid(1, "CN=a"));
  EXPECT_NE(DeterministicGuid(1, "CN=a"), DeterministicGuid(1, "CN=b"));
  EXPECT_NE(DeterministicGuid(1, "CN=a"), DeterministicGuid(2, "CN=a"));
}

TEST(OrgGuidTest, DeterministicGuidIsVersion4Shaped) {
  for (const char* key : {"a", "b", "CN=Mailbox Store (EXCH01)", ""}) {
    const std::string text = GuidText(DeterministicGuid(7, key));
    EXPECT_EQ(text[14], '4') << text;
    EXPECT_NE(std::string("89ab").find(text[19]), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace exdm::gen
