// The organization generator's deterministic GUIDs (tests/generators/org_guid.h).
#include "../../generators/org_guid.h"

#include <gtest/gtest.h>

namespace exdm::gen {
namespace {

TEST(OrgGuidTest, DeterministicGuidDependsOnlyOnSeedAndKey) {
  EXPECT_EQ(DeterministicGuid(1, "CN=a"), DeterministicGuid(1, "CN=a"));
  EXPECT_NE(DeterministicGuid(1, "CN=a"), DeterministicGuid(1, "CN=b"));
  EXPECT_NE(DeterministicGuid(1, "CN=a"), DeterministicGuid(2, "CN=a"));
}

TEST(OrgGuidTest, DeterministicGuidIsVersion4ShapedInTextForm) {
  for (const char* key : {"a", "b", "CN=Mailbox Store (EXCH01)", ""}) {
    const std::string text = DeterministicGuid(7, key).ToString();
    EXPECT_EQ(text[14], '4') << text;
    EXPECT_NE(std::string("89ab").find(text[19]), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace exdm::gen
