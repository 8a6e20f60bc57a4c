#include "exdm/diagnosis/dsaccess_view.h"

#include <algorithm>
#include <utility>

#include "exdm/base/store_ref.h"
#include "exdm/base/text_util.h"
#include "exdm/diagnosis/diagnosis.h"

namespace exdm {
namespace {

// One host with every role DSAccess lists it in.
struct Host {
  std::string name;
  std::vector<const DsAccessDc*> rows;
};

std::vector<Host> Hosts(const DsAccessSnapshot& snap) {
  std::vector<Host> hosts;
  for (const DsAccessDc& dc : snap.dcs) {
    auto it = std::find_if(hosts.begin(), hosts.end(),
                           [&](const Host& h) { return EqualsIgnoreCase(h.name, dc.name); });
    if (it == hosts.end()) {
      hosts.push_back({dc.name, {}});
      it = hosts.end() - 1;
    }
    it->rows.push_back(&dc);
  }
  return hosts;
}

std::string RoleList(const std::vector<DsAccessRole>& roles) {
  std::string out;
  for (DsAccessRole role : roles)
    out += (out.empty() ? "" : ", ") + std::string(DsAccessRoleText(role));
  return out;
}

bool Audited(const AuditReport& audit, const std::string& host) {
  return std::any_of(audit.sources.begin(), audit.sources.end(),
                     [&](const LdapSourceStatus& s) { return SameHost(host, LdapUriHost(s.uri)); });
}

void JudgeHost(const std::string& server, const Host& host, const AuditReport* audit,
               std::vector<DsAccessFinding>& out) {
  DsAccessFinding down{DsAccessFindingKind::kDcDown, server, host.name, {}, "", ""};
  DsAccessFinding stale{DsAccessFindingKind::kDcOutOfSync, server, host.name, {}, "", ""};
  bool gc = false;
  for (const DsAccessDc* row : host.rows) {
    if (!row->up) down.roles.push_back(row->role);
    if (!row->in_sync) stale.roles.push_back(row->role);
    gc = gc || row->role == DsAccessRole::kGlobalCatalog;
  }
  if (!down.roles.empty()) {
    down.text = server + ": DSAccess marks " + host.name + " (" + RoleList(down.roles) +
                ") down: it did not answer the last time Exchange tried it";
    out.push_back(std::move(down));
  }
  if (!stale.roles.empty()) {
    stale.text = server + ": DSAccess marks " + host.name + " (" + RoleList(stale.roles) +
                 ") out of sync with the GC and the configuration DC";
    out.push_back(std::move(stale));
  }
  if (gc && audit != nullptr && !audit->sources.empty() && !Audited(*audit, host.name)) {
    DsAccessFinding note{
        DsAccessFindingKind::kGcNotAudited, server, host.name, {DsAccessRole::kGlobalCatalog},
        "ldap://" + host.name + ":3268",    ""};
    note.text =
        server + " uses " + host.name + " (GC), which is not audited: add -H " + note.add_uri;
    out.push_back(std::move(note));
  }
}

}  // namespace

std::string_view DsAccessFindingName(DsAccessFindingKind kind) {
  switch (kind) {
    case DsAccessFindingKind::kDcDown:
      return "dc_down";
    case DsAccessFindingKind::kDcOutOfSync:
      return "dc_out_of_sync";
    case DsAccessFindingKind::kGcNotAudited:
      return "gc_not_audited";
  }
  return "unknown";
}

Severity DefaultSeverity(DsAccessFindingKind kind) {
  return kind == DsAccessFindingKind::kGcNotAudited ? Severity::kOk : Severity::kWarning;
}

std::vector<std::string> DsAccessView::GlobalCatalogsOf(const std::string& server) const {
  std::vector<std::string> gcs;
  for (const auto& [name, used] : directory_servers) {
    if (!SameServerName(name, server)) continue;
    for (const DirectoryServerInUse& d : used) {
      if (d.gc) gcs.push_back(d.host);
    }
  }
  return gcs;
}

DsAccessView AnalyzeDsAccess(const std::vector<DsAccessSnapshot>& snapshots,
                             const AuditReport* audit) {
  DsAccessView view;
  for (const DsAccessSnapshot& snap : snapshots) {
    view.servers.push_back(snap.server);
    std::vector<DirectoryServerInUse>& used = view.directory_servers[snap.server];
    for (const Host& host : Hosts(snap)) {
      JudgeHost(snap.server, host, audit, view.findings);
      // The roles it answers in; a role it is down in is not one the server can read from.
      DirectoryServerInUse d;
      d.host = host.name;
      d.last_seen = snap.taken_at;
      for (const DsAccessDc* row : host.rows) {
        if (!row->up) continue;
        d.config_dc = d.config_dc || row->role == DsAccessRole::kConfig;
        d.dc = d.dc || row->role == DsAccessRole::kDomain;
        d.gc = d.gc || row->role == DsAccessRole::kGlobalCatalog;
      }
      if (d.config_dc || d.gc) used.push_back(std::move(d));
    }
  }
  return view;
}

}  // namespace exdm
