// Distinguished names (exdm/dn.h): from AD attributes (homeMDB, legacyExchangeDN-like values in
// events) and the command line.
// Input: byte 0 picks what the rest is: a DN text, or one attribute value to escape.
// Properties: a parsed DN prints (ToString) to text that parses to the same DN (same key, same
// values); an escaped value parses back to exactly that value; Parent/Child/IsParentOf agree;
// FoldDirectoryString is idempotent (keys built from folded text are stable).
#include <string>

#include "exdm/ad/dn.h"
#include "fuzz_support.h"

namespace {

void CheckDn(const exdm::Dn& dn) {
  const std::string text = dn.ToString();
  auto again = exdm::Dn::Parse(text);
  FUZZ_CHECK(again.ok(), "a printed DN parses");
  FUZZ_CHECK(again->key() == dn.key(), "DN text round trip keeps the key");
  FUZZ_CHECK(again->size() == dn.size(), "DN text round trip keeps the RDNs");
  for (size_t i = 0; i < dn.size(); ++i) {
    FUZZ_CHECK(again->rdns()[i].size() == dn.rdns()[i].size(), "same AVAs");
    for (size_t j = 0; j < dn.rdns()[i].size(); ++j)
      FUZZ_CHECK(again->rdns()[i][j].value == dn.rdns()[i][j].value, "values survive printing");
  }
  FUZZ_CHECK(again->ToString() == text, "printing is stable");
  if (!dn.empty()) {
    const exdm::Dn parent = dn.Parent();
    FUZZ_CHECK(parent.IsParentOf(dn), "the parent is the parent");
    FUZZ_CHECK(parent.IsAncestorOf(dn), "the parent is an ancestor");
    FUZZ_CHECK(!dn.IsAncestorOf(parent), "no cycles");
    const exdm::Dn child = dn.Child("CN", dn.LeafValue());
    FUZZ_CHECK(dn.IsParentOf(child) && child.Parent() == dn, "Child/Parent agree");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t mode = in.Byte();
  const std::string_view text = in.rest();
  const std::string folded = exdm::FoldDirectoryString(text);
  FUZZ_CHECK(exdm::FoldDirectoryString(folded) == folded, "folding is idempotent");
  if (mode & 1) {
    const std::string escaped = exdm::EscapeDnValue(text);
    auto dn = exdm::Dn::Parse("CN=" + escaped + ",DC=example,DC=org");
    FUZZ_CHECK(dn.ok(), "an escaped value always makes a valid DN");
    FUZZ_CHECK(dn->size() == 3 && dn->rdns()[0].size() == 1, "an escaped value is one AVA");
    FUZZ_CHECK(dn->LeafValue() == text, "escaping round trip");
    for (char c : escaped) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(u >= 0x20 && u != 0x7f, "escaped values hold no control bytes");
    }
    CheckDn(*dn);
    return 0;
  }
  auto dn = exdm::Dn::Parse(text);
  if (dn.ok()) CheckDn(*dn);
  return 0;
}
