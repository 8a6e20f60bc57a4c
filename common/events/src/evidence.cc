// What each event says: 326, 1194, 327, EXOLEDB 116 and DSAccess 2080/2081 read from their
// structured parts, and the per-server evidence they add up to.
#include "exdm/events/evidence.h"

#include <algorithm>
#include <cstring>

#include "exdm/base/guid_scan.h"
#include "exdm/base/text_util.h"

namespace exdm {

namespace {

// Exchange servers and the monitoring host disagree on the clock by a little; evidence stamped
// slightly after "now" is still evidence.
constexpr int64_t kFutureSkew = 900;

size_t FindIgnoreCase(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    if (EqualsIgnoreCase(hay.substr(i, needle.size()), needle)) return i;
  }
  return std::string_view::npos;
}

bool IsHex(char c) {
  return guid_scan::HexValue(c) >= 0;
}

// The first "0x" followed by exactly 8 hex digits, lower-cased.
std::string FindHexCode(std::string_view text, size_t from = 0) {
  for (size_t i = from; i + 10 <= text.size(); ++i) {
    if (text[i] != '0' || (text[i + 1] != 'x' && text[i + 1] != 'X')) continue;
    if (i > 0 && (IsHex(text[i - 1]) || text[i - 1] == '_')) continue;
    bool ok = true;
    for (size_t k = 2; k < 10; ++k)
      ok = ok && IsHex(text[i + k]);
    if (!ok || (i + 10 < text.size() && IsHex(text[i + 10]))) continue;
    return ToLowerAscii(text.substr(i, 10));
  }
  return {};
}

bool Is(const EventRecord& r, std::string_view source, uint32_t id) {
  return r.event_id == id && EqualsIgnoreCase(TrimAscii(r.source), source);
}

bool InWindow(int64_t t, int64_t start, int64_t now) {
  return t >= start && t <= now + kFutureSkew;
}

// Event 327's values follow " : " separators in a fixed order (call, error code, MDB, FID, …),
// whatever language the labels are in.
std::vector<std::string> ColonValues(std::string_view text) {
  std::vector<std::string> values;
  for (size_t i = text.find(':'); i != std::string_view::npos; i = text.find(':', i + 1)) {
    size_t p = i + 1;
    while (p < text.size() && text[p] == ' ')
      ++p;
    const size_t start = p;
    while (p < text.size() &&
           ((text[p] >= 'A' && text[p] <= 'Z') || (text[p] >= 'a' && text[p] <= 'z') ||
            (text[p] >= '0' && text[p] <= '9') || text[p] == '_' || text[p] == '-' ||
            text[p] == '{' || text[p] == '}')) {
      ++p;
    }
    values.emplace_back(text.substr(start, p - start));
  }
  return values;
}

// DSAccess 2080 lists one server per line: "<host> <roles> <reachability> …" with roles a
// three-letter mask like "CDG" or "CD-" (config DC, DC, GC).
std::vector<DirectoryServerInUse> ParseDirectoryServers(std::string_view text, int64_t time) {
  std::vector<DirectoryServerInUse> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string_view> tokens;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
        ++i;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t')
        ++i;
      if (i > start) tokens.push_back(line.substr(start, i - start));
    }
    if (tokens.size() < 3) continue;
    const std::string_view roles = tokens[1];
    if (roles.size() != 3 || (roles[0] != 'C' && roles[0] != '-') ||
        (roles[1] != 'D' && roles[1] != '-') || (roles[2] != 'G' && roles[2] != '-')) {
      continue;
    }
    if (tokens[2].find_first_not_of("0123456789") != std::string_view::npos) continue;
    const std::string_view host = tokens[0];
    if (host.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
        std::string_view::npos) {
      continue;
    }
    DirectoryServerInUse s;
    s.host = ToLowerAscii(host);
    s.config_dc = roles[0] == 'C';
    s.dc = roles[1] == 'D';
    s.gc = roles[2] == 'G';
    s.last_seen = time;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

LogonFailureText ParseLogonFailureText(const std::string& message) {
  LogonFailureText out;
  const std::string_view text(message);
  const size_t dn_start = FindIgnoreCase(text, "/o=");
  size_t after = 0;
  if (dn_start != std::string_view::npos) {
    size_t at = 0, len = 0;
    if (auto g = guid_scan::FindFirst(text.substr(dn_start), &at, &len)) {
      out.store_guid = *g;
      size_t end = dn_start + at + len;
      if (end < text.size() && text[end] == ')') ++end;  // "cn=SMTP (<Server>-{GUID})"
      out.gateway_dn = std::string(text.substr(dn_start, end - dn_start));
      after = end;
    } else {
      // No GUID: the DN runs to the end of its token sequence; keep up to the error code.
      size_t end = text.find(". ", dn_start);
      if (end == std::string_view::npos) end = text.size();
      out.gateway_dn = std::string(TrimAscii(text.substr(dn_start, end - dn_start)));
      after = end;
    }
    const std::string_view dn(out.gateway_dn);
    const size_t smtp = FindIgnoreCase(dn, "cn=SMTP (");
    if (smtp != std::string_view::npos) {
      const size_t name_start = smtp + 9;
      size_t name_end = dn.find(')', name_start);
      const size_t brace = dn.find("-{", name_start);
      if (brace != std::string_view::npos &&
          (name_end == std::string_view::npos || brace < name_end)) {
        name_end = brace;
      }
      if (name_end != std::string_view::npos) {
        out.gateway_server = std::string(dn.substr(name_start, name_end - name_start));
      }
    }
  } else if (auto g = guid_scan::FindFirst(text)) {
    out.store_guid = *g;
  }
  out.error_code = FindHexCode(text, after);
  if (out.error_code.empty()) out.error_code = FindHexCode(text);
  return out;
}

void AddEventRecord(const EventRecord& r, int64_t window_start, int64_t now,
                    ServerEventEvidence& ev) {
  ++ev.records;
  if (!ev.last_event_time || r.time > *ev.last_event_time) ev.last_event_time = r.time;
  const bool in_window = InWindow(r.time, window_start, now);
  // Log Parser leaves Message empty when the exporting machine lacks the source's message DLL;
  // the insertion strings still carry the DN, codes and GUIDs.
  const std::string& text = r.message.empty() ? r.strings : r.message;

  if (Is(r, "MSExchangeTransport", 326)) {
    LogonFailureText parsed = ParseLogonFailureText(text);
    if (parsed.gateway_dn.empty() && !r.strings.empty() && &text != &r.strings) {
      parsed = ParseLogonFailureText(r.strings);
    }
    ++ev.logon_failures_total;
    ++ev.logon_failures_total_by_store[parsed.store_guid];
    if (in_window) {
      ev.logon_failures.push_back({r.time, std::move(parsed.store_guid),
                                   std::move(parsed.gateway_dn), std::move(parsed.gateway_server),
                                   std::move(parsed.error_code)});
    }
  } else if (Is(r, "MSExchangeIS", 1194)) {
    ++ev.interface_failures_total;
    if (in_window) ev.interface_failures.push_back({r.time, FindHexCode(text)});
  } else if (Is(r, "MSExchangeTransport", 327)) {
    const std::vector<std::string> values = ColonValues(text);
    StoreCallFailureEvent e;
    e.time = r.time;
    if (!values.empty()) e.call = values[0];
    if (values.size() > 1) e.error_code = values[1];
    if (auto g = guid_scan::FindFirst(text)) e.mdb_guid = *g;
    if (e.call.empty()) e.call = "unknown";
    ++ev.call_failures_total[e.call];
    if (in_window) ev.call_failures.push_back(std::move(e));
  } else if (Is(r, "EXOLEDB", 116)) {
    SystemMailboxEvent e;
    e.time = r.time;
    const size_t sm = FindIgnoreCase(text, "SystemMailbox{");
    auto g = sm != std::string::npos ? guid_scan::FindFirst(std::string_view(text).substr(sm))
                                     : guid_scan::FindFirst(text);
    if (g) e.store_guid = *g;
    if (in_window) ev.system_mailbox_missing.push_back(std::move(e));
  } else if (Is(r, "MSExchangeDSAccess", 2080) || Is(r, "MSExchangeDSAccess", 2081)) {
    std::vector<DirectoryServerInUse> servers = ParseDirectoryServers(text, r.time);
    const bool newer =
        ev.directory_servers.empty() || ev.directory_servers.front().last_seen <= r.time;
    if (!servers.empty() && newer) ev.directory_servers = std::move(servers);
  } else {
    ++ev.other_events;
  }
}

std::map<std::string, std::vector<const LogonFailureEvent*>>
ServerEventEvidence::LogonFailuresByStore() const {
  std::map<std::string, std::vector<const LogonFailureEvent*>> out;
  for (const LogonFailureEvent& e : logon_failures)
    out[e.store_guid].push_back(&e);
  return out;
}

std::map<std::string, uint64_t> ServerEventEvidence::CallFailuresByCall() const {
  std::map<std::string, uint64_t> out;
  for (const StoreCallFailureEvent& e : call_failures)
    ++out[e.call];
  return out;
}

uint64_t EventEvidence::LogonFailures() const {
  uint64_t n = 0;
  for (const auto& s : servers)
    n += s.logon_failures.size();
  return n;
}
uint64_t EventEvidence::InterfaceFailures() const {
  uint64_t n = 0;
  for (const auto& s : servers)
    n += s.interface_failures.size();
  return n;
}
uint64_t EventEvidence::CallFailures() const {
  uint64_t n = 0;
  for (const auto& s : servers)
    n += s.call_failures.size();
  return n;
}
uint64_t EventEvidence::BadRows() const {
  uint64_t n = 0;
  for (const auto& s : servers)
    n += s.bad_rows;
  return n;
}
const ServerEventEvidence* EventEvidence::Find(const std::string& server) const {
  for (const auto& s : servers) {
    if (EqualsIgnoreCase(s.server, server)) return &s;
  }
  return nullptr;
}

}  // namespace exdm
