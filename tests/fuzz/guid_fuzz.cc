// objectGUID text and bytes (exdm/guid.h) and GUIDs found in free text (guid_scan.h: event
// messages). Properties: every spelling that parses formats back to a spelling that parses to the
// same GUID; FindBracedGuid only returns a GUID the text really holds (braced, any case); a
// GUID's filter value is 16 escaped bytes.
#include <algorithm>
#include <cctype>
#include <string>

#include "exdm/base/guid.h"
#include "exdm/base/guid_scan.h"
#include "fuzz_support.h"

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return out;
}

void RoundTrips(const exdm::Guid& g) {
  FUZZ_CHECK(exdm::Guid::Parse(g.ToString()) == g, "label form round trip");
  FUZZ_CHECK(exdm::Guid::Parse(g.ToBracedUpper()) == g, "braced form round trip");
  FUZZ_CHECK(exdm::Guid::FromBytes(g.Bytes()) == g, "byte form round trip");
  const std::string filter = g.ToFilterValue();
  FUZZ_CHECK(filter.size() == 48, "filter value is 16 escaped bytes");
  for (size_t i = 0; i < filter.size(); i += 3)
    FUZZ_CHECK(filter[i] == '\\' && std::isxdigit(static_cast<unsigned char>(filter[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(filter[i + 2])),
               "filter value escapes every byte");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto g = exdm::Guid::Parse(text)) RoundTrips(*g);
  if (auto g = exdm::Guid::FromBytes(text)) RoundTrips(*g);
  if (auto g = exdm::FindBracedGuid(text)) {
    RoundTrips(*g);
    FUZZ_CHECK(Upper(text).find(g->ToBracedUpper()) != std::string::npos,
               "a found GUID is in the text");
  }
  size_t length = 0;
  if (auto label = exdm::guid_scan::ParsePrefix(text, &length)) {
    FUZZ_CHECK(length <= text.size(), "prefix length within the text");
    auto g = exdm::Guid::Parse(*label);
    FUZZ_CHECK(g && g->ToString() == *label, "scanned GUIDs are in label form");
  }
  size_t at = 0;
  if (auto label = exdm::guid_scan::FindFirst(text, &at, &length)) {
    FUZZ_CHECK(at + length <= text.size(), "found GUID within the text");
    FUZZ_CHECK(exdm::guid_scan::ParsePrefix(text.substr(at)) == label, "found where it says");
  }
  return 0;
}
