#include "plugin_state.h"

#include "exdm/base/text_util.h"

namespace exdm {

std::string_view StateName(PluginState state) {
  switch (state) {
    case PluginState::kOk:
      return "OK";
    case PluginState::kWarning:
      return "WARNING";
    case PluginState::kCritical:
      return "CRITICAL";
    case PluginState::kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::optional<PluginState> ParseState(std::string_view text) {
  static constexpr PluginState kAll[] = {PluginState::kOk, PluginState::kWarning,
                                         PluginState::kCritical, PluginState::kUnknown};
  for (PluginState s : kAll) {
    if (EqualsIgnoreCase(text, StateName(s))) return s;
  }
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '3') {
    return static_cast<PluginState>(text[0] - '0');
  }
  return std::nullopt;
}

namespace {
int Rank(PluginState s) {
  switch (s) {
    case PluginState::kOk:
      return 0;
    case PluginState::kUnknown:
      return 1;
    case PluginState::kWarning:
      return 2;
    case PluginState::kCritical:
      return 3;
  }
  return 1;
}
}  // namespace

PluginState WorseOf(PluginState a, PluginState b) {
  return Rank(a) >= Rank(b) ? a : b;
}

PluginState StateOf(Severity severity) {
  switch (severity) {
    case Severity::kOk:
      return PluginState::kOk;
    case Severity::kWarning:
      return PluginState::kWarning;
    case Severity::kCritical:
      return PluginState::kCritical;
  }
  return PluginState::kUnknown;
}

}  // namespace exdm
