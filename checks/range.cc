#include "range.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace exdm {
namespace {

// Plain decimal numbers only: [+-]digits[.digits][e[+-]digits]. strtod alone would also take
// leading blanks, hex ("0x10"), "inf" and "nan", none of which belong in a threshold (and a blank
// would split the perfdata field the range is echoed into).
bool IsPlainDecimal(std::string_view t) {
  size_t i = 0;
  auto skip_digits = [&t, &i] {
    const size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
      ++i;
    return i - start;
  };
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  size_t digits = skip_digits();
  if (i < t.size() && t[i] == '.') {
    ++i;
    digits += skip_digits();
  }
  if (digits == 0) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (skip_digits() == 0) return false;
  }
  return i == t.size();
}

// strtod on a bounded copy ("C" locale, as the Monitoring Plugins use) after the syntax check.
std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 64 || !IsPlainDecimal(text)) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(copy.c_str(), &end);
  if (errno != 0 || end != copy.c_str() + copy.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

Status Invalid(std::string_view text, const char* why) {
  return Status(ErrorCode::kInvalidArgument, "invalid range '" + std::string(text) + "': " + why);
}

}  // namespace

Result<Range> Range::Parse(std::string_view text) {
  Range range;
  range.text_ = std::string(text);
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '@') {
    range.inside_ = true;
    rest.remove_prefix(1);
  }
  if (rest.empty()) return Invalid(text, "empty");

  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    // "10" means 0..10.
    auto end = ParseNumber(rest);
    if (!end) return Invalid(text, "not a number");
    range.start_ = 0.0;
    range.end_ = *end;
  } else {
    std::string_view start_text = rest.substr(0, colon);
    std::string_view end_text = rest.substr(colon + 1);
    if (start_text.empty() && end_text.empty()) return Invalid(text, "no bounds");
    if (start_text == "~") {
      range.start_.reset();
    } else if (start_text.empty()) {
      range.start_ = 0.0;
    } else {
      auto start = ParseNumber(start_text);
      if (!start) return Invalid(text, "start is not a number");
      range.start_ = *start;
    }
    if (end_text.empty()) {
      range.end_.reset();
    } else {
      auto end = ParseNumber(end_text);
      if (!end) return Invalid(text, "end is not a number");
      range.end_ = *end;
    }
  }
  if (range.start_ && range.end_ && *range.start_ > *range.end_) {
    return Invalid(text, "start is greater than end");
  }
  return range;
}

bool Range::Alerts(double value) const {
  const bool below = start_ && value < *start_;
  const bool above = end_ && value > *end_;
  const bool outside = below || above;
  return inside_ ? !outside : outside;
}

PluginState Thresholds::Evaluate(double value) const {
  if (critical && critical->Alerts(value)) return PluginState::kCritical;
  if (warning && warning->Alerts(value)) return PluginState::kWarning;
  return PluginState::kOk;
}

}  // namespace exdm
