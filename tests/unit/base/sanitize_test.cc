// SanitizeForOutput is what stands between hostile AD/log text and the plugin's output.
#include "exdm/base/sanitize.h"

#include <gtest/gtest.h>

#include <string>

namespace exdm {
namespace {

using namespace std::string_literals;

// True when s is valid UTF-8 without C0/C1 controls, DEL, U+2028/9 or '|'.
bool IsCleanOutput(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F || c == '|') return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || i + len > s.size()) return false;
    unsigned cp = c & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < 0xA0 || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069))
      return false;
    i += len;
  }
  return true;
}

TEST(SanitizeTest, KeepsPlainTextAndValidUtf8) {
  EXPECT_EQ(SanitizeForOutput("Mailbox Store (EXCH01)"), "Mailbox Store (EXCH01)");
  EXPECT_EQ(SanitizeForOutput("Müller Ärzte 東京 😀"), "Müller Ärzte 東京 😀");
  EXPECT_EQ(SanitizeForOutput("\u00A0nbsp"), "\u00A0nbsp");  // U+00A0 is the first non-C1 char
  EXPECT_EQ(SanitizeForOutput(""), "");
}

TEST(SanitizeTest, NeutralisesLineBreaksAndPipes) {
  EXPECT_EQ(SanitizeForOutput("a\nb"), "a?b");
  EXPECT_EQ(SanitizeForOutput("a\r\nb"), "a??b");
  EXPECT_EQ(SanitizeForOutput("x|y=1"), "x/y=1");
  EXPECT_EQ(SanitizeForOutput("tab\there"), "tab?here");
  EXPECT_EQ(SanitizeForOutput("nul\0byte"s), "nul?byte");
  EXPECT_EQ(SanitizeForOutput("\x1b[31mred\x1b[0m"), "?[31mred?[0m");
  EXPECT_EQ(SanitizeForOutput("del\x7f"), "del?");
}

TEST(SanitizeTest, ReplacesC1ControlsAndUnicodeLineSeparators) {
  EXPECT_EQ(SanitizeForOutput("a\u0085b"), "a?b");  // NEL, a line break to some consumers
  EXPECT_EQ(SanitizeForOutput("a\u0080b\u009Fc"), "a?b?c");
  EXPECT_EQ(SanitizeForOutput("a\u2028b\u2029c"), "a?b?c");
}

// A name from AD or a log must not turn the text after it around (Trojan Source): every
// bidirectional control is replaced as U+2028 is; the letters around it stay (issue 22).
TEST(SanitizeTest, ReplacesBidirectionalControls) {
  EXPECT_EQ(SanitizeForOutput("Sales\u202Eue.exe"), "Sales?ue.exe");
  for (const char* control : {"\u061C", "\u200E", "\u200F", "\u202A", "\u202B", "\u202C", "\u202D",
                              "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"}) {
    EXPECT_EQ(SanitizeForOutput(std::string("a") + control + "b"), "a?b") << control;
  }
  // Neighbours that are ordinary characters stay.
  EXPECT_EQ(SanitizeForOutput("\u2010\u2030\u2065\u206A"), "\u2010\u2030\u2065\u206A");
}

// Label values are the names as they are (the exposition escapes what it must): names that
// SanitizeForOutput would make equal stay distinct; only invalid UTF-8, NUL or excess length
// change a value, and then a hash of the original keeps it apart (issue 22).
TEST(LabelValueTest, NamesAsTheyAreAndDistinctWhenChanged) {
  EXPECT_EQ(LabelValue("Sales|EU"), "Sales|EU");
  EXPECT_EQ(LabelValue("Sales/EU"), "Sales/EU");
  EXPECT_EQ(LabelValue("Ops\nA"), "Ops\nA");
  EXPECT_EQ(LabelValue("Ops\rA"), "Ops\rA");
  EXPECT_EQ(LabelValue("Mailbox \"Zürich\" \\ 日本 \u202E"), "Mailbox \"Zürich\" \\ 日本 \u202E");
  EXPECT_EQ(LabelValue(""), "");
  const std::string latin1 = LabelValue("Z\xFCrich");
  const std::string other = LabelValue("Z\xFDrich");
  EXPECT_EQ(latin1.rfind("Z\xEF\xBF\xBDrich #", 0), 0u) << latin1;
  EXPECT_EQ(latin1.size(), std::string("Z\xEF\xBF\xBDrich #").size() + 16);
  EXPECT_NE(latin1, other);
  EXPECT_NE(LabelValue("a\0b"s), LabelValue("a\0c"s));
  EXPECT_EQ(LabelValue("a\0b"s).rfind("a\xEF\xBF\xBD"
                                      "b #",
                                      0),
            0u);
  const std::string long_a = std::string(2000, 'x') + "a";
  const std::string long_b = std::string(2000, 'x') + "b";
  EXPECT_LE(LabelValue(long_a).size(), kMaxLabelValueBytes);
  EXPECT_NE(LabelValue(long_a), LabelValue(long_b));
  EXPECT_EQ(LabelValue(std::string(kMaxLabelValueBytes, 'y')),
            std::string(kMaxLabelValueBytes, 'y'));
  // A cut never splits a character.
  std::string accents;
  while (accents.size() < 1100)
    accents += "é";
  const std::string cut = LabelValue(accents);
  EXPECT_EQ(cut.substr(0, cut.size() - 18).size() % 2, 0u);
}

TEST(RedactAddressesTest, KeepsTheDomainNeverTheLocalPart) {
  EXPECT_EQ(RedactAddresses("2026-11-25\t0:10:00 GMT\tjane.doe@contoso.com\t1028\t<1A@EXCH01>"),
            "2026-11-25\t0:10:00 GMT\t*@contoso.com\t1028\t<*@EXCH01>");
  EXPECT_EQ(RedactAddresses("to: \"O'Brien\" <o.brien+x@contoso.com>, smtp:a@b"),
            "to: \"O'Brien\" <*@contoso.com>, smtp:*@b");
  EXPECT_EQ(RedactAddresses("a@b@c"), "*@*@c");
  EXPECT_EQ(RedactAddresses("@contoso.com and no address"), "@contoso.com and no address");
  EXPECT_EQ(RedactAddresses("x)(mail=*@contoso.com"), "x)(mail=*@contoso.com");
  EXPECT_EQ(RedactAddresses(""), "");
}

TEST(SanitizeTest, ReplacesEachByteOfInvalidUtf8) {
  EXPECT_EQ(SanitizeForOutput("\xff"), "?");
  EXPECT_EQ(SanitizeForOutput("a\xc3"), "a?");               // truncated 2-byte sequence
  EXPECT_EQ(SanitizeForOutput("a\xc3(b"), "a?(b");           // bad continuation
  EXPECT_EQ(SanitizeForOutput("\xc0\xaf"), "??");            // overlong '/'
  EXPECT_EQ(SanitizeForOutput("\xe0\x80\xaf"), "???");       // overlong, 3 bytes
  EXPECT_EQ(SanitizeForOutput("\xed\xa0\x80"), "???");       // UTF-16 surrogate
  EXPECT_EQ(SanitizeForOutput("\xf4\x90\x80\x80"), "????");  // above U+10FFFF
  EXPECT_EQ(SanitizeForOutput("\x80\x80"), "??");            // stray continuation bytes
  EXPECT_EQ(SanitizeForOutput("\xe6\x9d"), "??");            // 東 cut short
  // Windows-1252 text (what Exchange 2003 logs may hold) comes out readable around the damage.
  EXPECT_EQ(SanitizeForOutput("M\xfcller"), "M?ller");
}

TEST(SanitizeTest, TruncatesWithEllipsisWithinTheLimit) {
  EXPECT_EQ(SanitizeForOutput("abcdef", 6), "abcdef");  // fits exactly: no ellipsis
  EXPECT_EQ(SanitizeForOutput("abcdefg", 6), "abc...");
  EXPECT_EQ(SanitizeForOutput("abcdefg", 3), "...");
  EXPECT_EQ(SanitizeForOutput("abcdefg", 2), "..");
  EXPECT_EQ(SanitizeForOutput("abcdefg", 0), "");
  EXPECT_EQ(SanitizeForOutput(std::string(1000, 'x')).size(), 512u);
}

TEST(SanitizeTest, TruncatesOnCharacterBoundaries) {
  // "ää…" is 2 bytes a character: a limit of 8 keeps two (4 bytes) plus "...".
  EXPECT_EQ(SanitizeForOutput("ääääää", 8), "ää...");
  EXPECT_EQ(SanitizeForOutput("ääääää", 7), "ää...");
  EXPECT_EQ(SanitizeForOutput("ääääää", 6), "ä...");
  // A preceding multi-byte character is kept when only an ASCII one has to go.
  EXPECT_EQ(SanitizeForOutput("äabcdefg", 8), "äabc...");
  EXPECT_EQ(SanitizeForOutput("😀😀😀", 6), "...");
  EXPECT_EQ(SanitizeForOutput("😀😀😀", 10), "😀...");
  EXPECT_EQ(SanitizeForOutput("😀😀😀", 11), "😀😀...");
  EXPECT_EQ(SanitizeForOutput("東京都", 9), "東京都");
  EXPECT_EQ(SanitizeForOutput("東京都x", 9), "東京...");
}

TEST(SanitizeTest, EveryByteStringComesOutCleanAndBounded) {
  // Deterministic pseudo-random byte strings, biased toward the interesting bytes.
  const unsigned char interesting[] = {'\n', '\r', '|',  0x00, 0x1b, 0x7f, 0x80, 0x85, 0x9f, 0xa0,
                                       0xc2, 0xc3, 0xe2, 0x80, 0xa8, 0xed, 0xf0, 0xf4, 0xff, 'a'};
  unsigned state = 12345;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const size_t len = (state >> 3) % 40;
    for (size_t i = 0; i < len; ++i) {
      state = state * 1103515245u + 12345u;
      const unsigned r = (state >> 16) & 0x7FFF;
      s += static_cast<char>(r % 3 == 0 ? interesting[r % sizeof interesting] : r & 0xFF);
    }
    const size_t limit = (state >> 8) % 48;
    const std::string out = SanitizeForOutput(s, limit);
    ASSERT_LE(out.size(), limit);
    ASSERT_TRUE(IsCleanOutput(out)) << "input of " << s.size() << " bytes, round " << round;
  }
}

}  // namespace
}  // namespace exdm
