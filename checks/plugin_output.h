// Builds the plugin's output once from sub-results (never printed piecemeal), following the
// Monitoring Plugins development guidelines: one status line, perfdata after a single '|', long
// output below. Every piece of outside text is sanitized on the way in.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "exdm/plugin_state.h"
#include "exdm/range.h"

namespace exdm::check {

struct PerfValue {
  std::string label;  // fixed ASCII labels; quoted automatically when needed
  double value = 0;
  std::string uom;    // "", "s", "%", "B", "c"
  const Thresholds* thresholds = nullptr;
  std::optional<double> min;
  std::optional<double> max;
};

class PluginOutput {
 public:
  void Raise(PluginState state) { state_ = WorseOf(state_, state); }
  void SetState(PluginState state) { state_ = state; }
  PluginState state() const { return state_; }

  // Summary parts are joined with ", " in the status line.
  void AddSummary(const std::string& text);
  void AddPerf(PerfValue value);
  void AddLongLine(const std::string& text);

  // "EXCHANGE DELIVERY CRITICAL - summary | perf\nlong…\n"
  std::string Render() const;

  static std::string FormatPerf(const PerfValue& value);

 private:
  PluginState state_ = PluginState::kOk;
  std::vector<std::string> summary_;
  std::vector<PerfValue> perf_;
  std::vector<std::string> long_lines_;
};

}  // namespace exdm::check
