// Monitoring Plugins threshold ranges ("10", "10:", "~:10", "10:20", "@10:20"), the one parser
// every mode uses. See the Monitoring Plugins development guidelines, "Threshold and ranges".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exdm/base/status.h"
#include "plugin_state.h"

namespace exdm {

class Range {
 public:
  // Parses the guideline syntax. Rejects empty text, garbage, and start > end ("20:10").
  static Result<Range> Parse(std::string_view text);

  // True when the value should raise an alert: outside [start, end], or inside with '@'.
  bool Alerts(double value) const;

  // The range exactly as given, for perfdata's warn/crit fields.
  const std::string& text() const { return text_; }

 private:
  std::optional<double> start_;  // nullopt: -infinity ("~")
  std::optional<double> end_;    // nullopt: +infinity
  bool inside_ = false;          // '@': alert when inside
  std::string text_;
};

// A warning and a critical range, either optional; critical wins.
struct Thresholds {
  std::optional<Range> warning;
  std::optional<Range> critical;

  PluginState Evaluate(double value) const;
};

}  // namespace exdm
