#include "evidence_payload.h"

#include "exdm/state/payload.h"

namespace exdm {

namespace {
constexpr uint64_t kPayloadVersion = 1;
}  // namespace

void SaveEvidencePayload(const std::vector<ServerEventEvidence>& servers,
                         const std::map<std::string, FileMark>& marks, PayloadWriter& w) {
  w.U64(kPayloadVersion);
  w.U64(servers.size());
  for (const ServerEventEvidence& s : servers) {
    w.Bytes(s.server);
    w.U64(s.logon_failures_total);
    w.U64(s.interface_failures_total);
    w.U64(s.bad_rows_total);
    w.U64(s.last_event_time ? 1 : 0);
    w.I64(s.last_event_time.value_or(0));
    w.U64(s.call_failures_total.size());
    for (const auto& [call, n] : s.call_failures_total) {
      w.Bytes(call);
      w.U64(n);
    }
    w.U64(s.logon_failures_total_by_store.size());
    for (const auto& [guid, n] : s.logon_failures_total_by_store) {
      w.Bytes(guid);
      w.U64(n);
    }
    w.U64(s.logon_failures.size());
    for (const auto& e : s.logon_failures) {
      w.I64(e.time);
      w.Bytes(e.store_guid);
      w.Bytes(e.gateway_dn);
      w.Bytes(e.gateway_server);
      w.Bytes(e.error_code);
    }
    w.U64(s.interface_failures.size());
    for (const auto& e : s.interface_failures) {
      w.I64(e.time);
      w.Bytes(e.error_code);
    }
    w.U64(s.call_failures.size());
    for (const auto& e : s.call_failures) {
      w.I64(e.time);
      w.Bytes(e.call);
      w.Bytes(e.error_code);
      w.Bytes(e.mdb_guid);
    }
    w.U64(s.system_mailbox_missing.size());
    for (const auto& e : s.system_mailbox_missing) {
      w.I64(e.time);
      w.Bytes(e.store_guid);
    }
    w.U64(s.directory_servers.size());
    for (const auto& d : s.directory_servers) {
      w.Bytes(d.host);
      w.U64((d.config_dc ? 1u : 0u) | (d.dc ? 2u : 0u) | (d.gc ? 4u : 0u));
      w.I64(d.last_seen);
    }
  }
  w.U64(marks.size());
  for (const auto& [path, mark] : marks) {
    w.Bytes(path);
    w.I64(mark.time);
    w.U64(mark.count);
  }
}

bool LoadEvidencePayload(std::string_view payload, std::vector<ServerEventEvidence>& servers,
                         std::map<std::string, FileMark>& marks) {
  PayloadReader r(payload);
  if (r.U64() != kPayloadVersion || !r.ok()) return false;
  // Counts come from disk: bound them so a corrupt payload cannot ask for huge allocations.
  auto count = [&r]() {
    const uint64_t n = r.U64();
    return r.ok() && n <= 1000000 ? static_cast<size_t>(n) : size_t{0};
  };
  const size_t nservers = count();
  for (size_t i = 0; i < nservers && r.ok(); ++i) {
    ServerEventEvidence s;
    s.server = std::string(r.Bytes());
    s.logon_failures_total = r.U64();
    s.interface_failures_total = r.U64();
    s.bad_rows_total = r.U64();
    const bool has_last = r.U64() != 0;
    const int64_t last = r.I64();
    if (has_last) s.last_event_time = last;
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      std::string call(r.Bytes());
      s.call_failures_total[call] = r.U64();
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      std::string guid(r.Bytes());
      s.logon_failures_total_by_store[guid] = r.U64();
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      LogonFailureEvent e;
      e.time = r.I64();
      e.store_guid = std::string(r.Bytes());
      e.gateway_dn = std::string(r.Bytes());
      e.gateway_server = std::string(r.Bytes());
      e.error_code = std::string(r.Bytes());
      s.logon_failures.push_back(std::move(e));
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      InterfaceFailureEvent e;
      e.time = r.I64();
      e.error_code = std::string(r.Bytes());
      s.interface_failures.push_back(std::move(e));
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      StoreCallFailureEvent e;
      e.time = r.I64();
      e.call = std::string(r.Bytes());
      e.error_code = std::string(r.Bytes());
      e.mdb_guid = std::string(r.Bytes());
      s.call_failures.push_back(std::move(e));
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      SystemMailboxEvent e;
      e.time = r.I64();
      e.store_guid = std::string(r.Bytes());
      s.system_mailbox_missing.push_back(std::move(e));
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      DirectoryServerInUse d;
      d.host = std::string(r.Bytes());
      const uint64_t flags = r.U64();
      d.config_dc = flags & 1u;
      d.dc = flags & 2u;
      d.gc = flags & 4u;
      d.last_seen = r.I64();
      s.directory_servers.push_back(std::move(d));
    }
    servers.push_back(std::move(s));
  }
  for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
    std::string path(r.Bytes());
    FileMark m;
    m.time = r.I64();
    m.count = r.U64();
    marks[path] = m;
  }
  return r.ok() && r.at_end();
}

}  // namespace exdm
