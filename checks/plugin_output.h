// Builds the plugin's output once from sub-results (never printed piecemeal), following the
// Monitoring Plugins development guidelines: one status line, perfdata after a single '|', long
// output below. Every piece of outside text is sanitized on the way in.
//
// Size limits (NRPE 2 answers at most 1 KiB, Nagios 4 keeps 8 KiB of plugin output):
//  - the summary (after "EXCHANGE DELIVERY STATE - ") is cut to kMaxSummaryBytes;
//  - the whole status line, perfdata included, stays within kMaxStatusLineBytes: perf values that
//    would not fit are left out whole, never cut;
//  - long output lines are cut to kMaxLongLineBytes each, and the whole output stays within
//    kMaxOutputBytes, ending in "... N more lines" when lines had to be dropped.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "plugin_state.h"
#include "range.h"

namespace exdm::check {

inline constexpr size_t kMaxSummaryBytes = 200;
inline constexpr size_t kMaxStatusLineBytes = 1000;
inline constexpr size_t kMaxLongLineBytes = 512;
inline constexpr size_t kMaxOutputBytes = 8000;

struct PerfValue {
  // A fixed ASCII label ("stalled_deliveries"). Characters the guidelines forbid ('=', quote,
  // controls, non-ASCII) become '_'; a label with a space is quoted.
  std::string label;
  double value = 0;
  std::string uom;                         // base units only: "" (a count), "s", "%", "B", "c"
  const Thresholds* thresholds = nullptr;  // echoed as the warn;crit fields, exactly as given
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
  // A failure's message, which must reach the reader whole (a refused state directory names the
  // fix at its end): in the summary, and also in the long output when the summary may cut it.
  void AddSummaryKeptWhole(const std::string& text);
  void AddPerf(PerfValue value);
  void AddLongLine(const std::string& text);
  // A sentence of "; "-separated parts (a diagnosis) too long for one long-output line goes on in
  // continuation lines indented by two spaces, each broken after a "; ", so that what it says
  // last (the directory servers a diagnosis rests on) is not cut off. A part longer than a line
  // is still cut.
  void AddLongLineWrapped(const std::string& text);
  // Before every other long output line (a warning that must never be cut off at the end).
  void PrependLongLine(const std::string& text);

  // Mode "all": takes a source's sub-result - its state (worst wins), its summary parts prefixed
  // with "<source>: ", its perfdata, and its long output indented under a "[<source>]" heading.
  void Absorb(const PluginOutput& part, const std::string& source);

  // "EXCHANGE DELIVERY CRITICAL - summary | perf\nlong…\n"
  std::string Render() const;

  // "label=value[uom];warn;crit;min;max" with trailing empty fields dropped.
  static std::string FormatPerf(const PerfValue& value);

 private:
  PluginState state_ = PluginState::kOk;
  std::vector<std::string> summary_;
  std::vector<PerfValue> perf_;
  std::vector<std::string> long_lines_;
};

}  // namespace exdm::check
