#include "plugin_output.h"

#include <cmath>
#include <cstdio>

#include "exdm/sanitize.h"

namespace exdm::check {
namespace {

// The status line stays short for NRPE-style limits; details go to long output.
constexpr size_t kMaxSummaryBytes = 200;
constexpr size_t kMaxLongLines = 60;

std::string FormatNumber(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string QuoteLabel(const std::string& label) {
  const bool needs = label.find_first_of(" '=") != std::string::npos;
  if (!needs) return label;
  std::string out = "'";
  for (char c : label) {
    if (c == '\'') out += "''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

void PluginOutput::AddSummary(const std::string& text) {
  summary_.push_back(SanitizeForOutput(text, kMaxSummaryBytes));
}

void PluginOutput::AddPerf(PerfValue value) { perf_.push_back(std::move(value)); }

void PluginOutput::AddLongLine(const std::string& text) {
  long_lines_.push_back(SanitizeForOutput(text, 1024));
}

std::string PluginOutput::FormatPerf(const PerfValue& p) {
  std::string out = QuoteLabel(SanitizeForOutput(p.label, 64)) + "=" + FormatNumber(p.value) + p.uom;
  std::string warn, crit;
  if (p.thresholds) {
    if (p.thresholds->warning) warn = p.thresholds->warning->text();
    if (p.thresholds->critical) crit = p.thresholds->critical->text();
  }
  const std::string min = p.min ? FormatNumber(*p.min) : "";
  const std::string max = p.max ? FormatNumber(*p.max) : "";
  // Trailing empty fields may be dropped per the guidelines.
  std::string fields[4] = {warn, crit, min, max};
  int last = 3;
  while (last >= 0 && fields[last].empty()) --last;
  for (int i = 0; i <= last; ++i) out += ";" + fields[i];
  return out;
}

std::string PluginOutput::Render() const {
  std::string line = "EXCHANGE DELIVERY ";
  line += StateName(state_);
  std::string summary;
  for (const std::string& s : summary_) {
    if (!summary.empty()) summary += ", ";
    summary += s;
  }
  if (summary.size() > kMaxSummaryBytes) summary = SanitizeForOutput(summary, kMaxSummaryBytes);
  if (!summary.empty()) line += " - " + summary;
  if (!perf_.empty()) {
    line += " |";
    for (const PerfValue& p : perf_) line += " " + FormatPerf(p);
  }
  line += "\n";
  size_t shown = 0;
  for (const std::string& l : long_lines_) {
    if (shown == kMaxLongLines) {
      line += "... and " + std::to_string(long_lines_.size() - shown) + " more\n";
      break;
    }
    line += l + "\n";
    ++shown;
  }
  return line;
}

}  // namespace exdm::check
