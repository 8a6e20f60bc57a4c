#include "plugin_output.h"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "exdm/base/sanitize.h"

namespace exdm::check {
namespace {

constexpr size_t kMaxLabelBytes = 64;

// Integers print as integers; anything else with three decimals, in the C locale's notation (no
// locale is ever set in this program, so '.' is the separator). Not-a-number has no perfdata
// spelling but "U" (the guidelines' "value could not be determined").
std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return "U";
  char buf[64];
  if (std::floor(v) == v && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof buf, "%.3f", v);
  }
  return buf;
}

// Guidelines: a label may hold any character but '=' and the single quote, and must be quoted
// when it holds a space. Control and non-ASCII bytes are replaced too: graphers choke on them.
std::string FormatLabel(const std::string& label) {
  std::string clean;
  for (char c : label.substr(0, kMaxLabelBytes)) {
    const auto u = static_cast<unsigned char>(c);
    clean += (u < 0x20 || u >= 0x7F || c == '=' || c == '\'' || c == '|') ? '_' : c;
  }
  if (clean.empty()) clean = "_";
  if (clean.find(' ') != std::string::npos) return "'" + clean + "'";
  return clean;
}

}  // namespace

void PluginOutput::AddSummary(const std::string& text) {
  summary_.push_back(SanitizeForOutput(text, kMaxSummaryBytes));
}

void PluginOutput::AddSummaryKeptWhole(const std::string& text) {
  AddSummary(text);
  // Several parts may share the summary: half of it is where cutting starts to be likely.
  if (text.size() > kMaxSummaryBytes / 2) AddLongLine(text);
}

void PluginOutput::AddPerf(PerfValue value) {
  perf_.push_back(std::move(value));
}

void PluginOutput::AddLongLine(const std::string& text) {
  long_lines_.push_back(SanitizeForOutput(text, kMaxLongLineBytes));
}

void PluginOutput::AddLongLineWrapped(const std::string& text) {
  constexpr std::string_view kBreak = "; ";
  constexpr std::string_view kIndent = "  ";
  std::string rest = text;
  while (rest.size() > kMaxLongLineBytes) {
    const size_t cut = rest.rfind(kBreak, kMaxLongLineBytes - 1);
    if (cut == std::string::npos || cut <= kIndent.size()) break;
    AddLongLine(rest.substr(0, cut + 1));  // keeps the ';'
    rest = std::string(kIndent) + rest.substr(cut + kBreak.size());
  }
  AddLongLine(rest);
}

void PluginOutput::PrependLongLine(const std::string& text) {
  long_lines_.insert(long_lines_.begin(), SanitizeForOutput(text, kMaxLongLineBytes));
}

std::string PluginOutput::FormatPerf(const PerfValue& p) {
  std::string out = FormatLabel(p.label) + "=" + FormatNumber(p.value) + p.uom;
  std::string fields[4];
  if (p.thresholds) {
    if (p.thresholds->warning) fields[0] = p.thresholds->warning->text();
    if (p.thresholds->critical) fields[1] = p.thresholds->critical->text();
  }
  if (p.min) fields[2] = FormatNumber(*p.min);
  if (p.max) fields[3] = FormatNumber(*p.max);
  // Trailing empty fields may be dropped per the guidelines.
  int last = 3;
  while (last >= 0 && fields[last].empty())
    --last;
  for (int i = 0; i <= last; ++i)
    out += ";" + fields[i];
  return out;
}

void PluginOutput::Absorb(const PluginOutput& part, const std::string& source) {
  Raise(part.state_);
  for (const std::string& s : part.summary_)
    AddSummary(source + ": " + s);
  for (const PerfValue& p : part.perf_)
    perf_.push_back(p);
  if (part.long_lines_.empty()) return;
  AddLongLine("[" + source + "]");
  for (const std::string& l : part.long_lines_)
    AddLongLine("  " + l);
}

std::string PluginOutput::Render() const {
  std::string out = "EXCHANGE DELIVERY ";
  out += StateName(state_);
  std::string summary;
  for (const std::string& s : summary_) {
    if (!summary.empty()) summary += ", ";
    summary += s;
  }
  if (!summary.empty()) out += " - " + SanitizeForOutput(summary, kMaxSummaryBytes);
  bool opened = false;
  for (const PerfValue& p : perf_) {
    const std::string item = FormatPerf(p);
    const std::string separator = opened ? " " : " | ";
    // +1: the newline ending the status line counts too.
    if (out.size() + separator.size() + item.size() + 1 > kMaxStatusLineBytes) continue;
    out += separator + item;
    opened = true;
  }
  out += "\n";
  for (size_t i = 0; i < long_lines_.size(); ++i) {
    const std::string& line = long_lines_[i];
    // Keep room for the "... N more lines" marker unless this is the last line.
    const size_t reserve = i + 1 < long_lines_.size() ? 40 : 0;
    if (out.size() + line.size() + 1 + reserve > kMaxOutputBytes) {
      out += "... " + std::to_string(long_lines_.size() - i) + " more lines\n";
      break;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace exdm::check
