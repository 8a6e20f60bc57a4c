// Threshold ranges (exdm/range.h), from -w/-c and config files.
// Properties: an accepted range keeps its text exactly (it is echoed into perfdata, so it holds
// no blank, control byte, ';' or '=' that would break the perfdata field); parsing its text again
// gives a range that alerts on the same values; Thresholds::Evaluate never crashes.
#include <cmath>
#include <limits>
#include <string>

#include "fuzz_support.h"
#include "range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto range = exdm::Range::Parse(text);
  if (!range.ok()) {
    FUZZ_CHECK(!range.status().message().empty(), "a refused range says why");
    return 0;
  }
  FUZZ_CHECK(range->text() == text, "the range keeps its text");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u > 0x20 && u < 0x7f && c != ';' && c != '=' && c != '\'',
               "an accepted range cannot break perfdata");
  }
  auto again = exdm::Range::Parse(range->text());
  FUZZ_CHECK(again.ok(), "an accepted range parses again");
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {-inf, -1e300, -10.0, -1.0, 0.0, 0.5, 1.0, 10.0, 20.0, 1e300, inf}) {
    FUZZ_CHECK(range->Alerts(v) == again->Alerts(v), "re-parsed range alerts alike");
  }
  exdm::Thresholds t{*range, *again};
  (void)t.Evaluate(std::nan(""));
  return 0;
}
