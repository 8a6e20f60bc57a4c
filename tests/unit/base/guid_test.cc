// objectGUID byte/text vectors from docs/DOMAIN.md "GUIDs" and the spellings Exchange prints.
#include "exdm/base/guid.h"

#include <gtest/gtest.h>

namespace exdm {
namespace {

const char kBytes[] = "\xbb\x85\x43\x3e\x43\x7c\xeb\x4f\x8e\xa2\x97\xc6\x5c\xc0\x6a\xbf";

TEST(GuidTest, BytesPrintWithTheFirstThreeGroupsReversed) {
  auto g = Guid::FromBytes(std::string_view(kBytes, 16));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->ToString(), "3e4385bb-7c43-4feb-8ea2-97c65cc06abf");
  EXPECT_EQ(g->ToBracedUpper(), "{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}");
  EXPECT_EQ(g->ToFilterValue(), "\\bb\\85\\43\\3e\\43\\7c\\eb\\4f\\8e\\a2\\97\\c6\\5c\\c0\\6a\\bf");
}

TEST(GuidTest, EverySpellingParsesToTheSameBytes) {
  for (const char* text :
       {"3e4385bb-7c43-4feb-8ea2-97c65cc06abf", "{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}",
        "3E4385BB-7c43-4FEB-8ea2-97C65CC06ABF", "{3e4385bb-7c43-4feb-8ea2-97c65cc06abf}"}) {
    auto g = Guid::Parse(text);
    ASSERT_TRUE(g) << text;
    EXPECT_EQ(g->Bytes(), std::string(kBytes, 16)) << text;
  }
}

TEST(GuidTest, RejectsMalformedText) {
  for (const char* text :
       {"", "3e4385bb7c434feb8ea297c65cc06abf", "{3e4385bb-7c43-4feb-8ea2-97c65cc06abf",
        "3e4385bb-7c43-4feb-8ea2-97c65cc06abg", "3e4385bb-7c43-4feb-8ea2_97c65cc06abf",
        "(3e4385bb-7c43-4feb-8ea2-97c65cc06abf)", "3e4385bb-7c43-4feb-8ea2-97c65cc06ab"}) {
    EXPECT_FALSE(Guid::Parse(text)) << text;
  }
  EXPECT_FALSE(Guid::FromBytes("short"));
}

TEST(GuidTest, RoundTripsAllByteValues) {
  std::string bytes(16, '\0');
  for (int b = 0; b < 256; b += 17) {
    for (size_t i = 0; i < 16; ++i)
      bytes[i] = static_cast<char>((b + static_cast<int>(i) * 31) & 0xff);
    auto g = Guid::FromBytes(bytes);
    ASSERT_TRUE(g);
    auto back = Guid::Parse(g->ToBracedUpper());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->Bytes(), bytes);
  }
}

TEST(GuidTest, FindsTheLastBracedGuidInNamesAndLegacyDns) {
  auto g = FindBracedGuid("SMTP (EXCH01-{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF})");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->ToString(), "3e4385bb-7c43-4feb-8ea2-97c65cc06abf");
  g = FindBracedGuid(
      "/o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/cn=SMTP "
      "(EXCH01)/cn={00000000-0000-0000-0000-000000000001}");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->ToString(), "00000000-0000-0000-0000-000000000001");
  EXPECT_FALSE(FindBracedGuid("SMTP (EXCH01)"));
  EXPECT_FALSE(FindBracedGuid("{not-a-guid}"));
  EXPECT_FALSE(FindBracedGuid("}"));
}

}  // namespace
}  // namespace exdm
