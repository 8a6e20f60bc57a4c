#include "fixture_times.h"

#include <regex>

#include "exdm/base/time_util.h"

namespace exdm::testing {

std::string MoveFixtureTimes(const std::string& text, int64_t fixture_taken, int64_t taken) {
  static const std::regex kTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  std::string out;
  size_t last = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kTime);
       it != std::sregex_iterator(); ++it) {
    out += text.substr(last, static_cast<size_t>(it->position()) - last);
    out += FormatIso8601Utc(*ParseIso8601(it->str()) - fixture_taken + taken);
    last = static_cast<size_t>(it->position() + it->length());
  }
  return out + text.substr(last);
}

}  // namespace exdm::testing
