// The directory servers each Exchange server really uses (DSAccess snapshots,
// exdm/store/dsaccess_snapshot.h) against the audit's -H views (docs/DOMAIN.md "Which global
// catalog"). KB 828938 says to check the SMTP mailbox's values on the global catalog the server
// references: an audit of another DC may miss what the server reads. A pure function.
//
// Per server with a snapshot, per host (a host listed in several roles is one host):
//   dc_down         DSAccess marks it down in some role (WARNING)
//   dc_out_of_sync  DSAccess marks it out of sync with the GC and configuration DC (WARNING)
//   gc_not_audited  the server uses it as a GC and no -H URI names that host (compared as
//                   diagnosis.h's SameHost: case-insensitively, a short name matching an FQDN's
//                   first label): a note that says which -H to add; raises nothing. Only judged
//                   when there is an audit with at least one -H URI.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/severity.h"
#include "exdm/events/evidence.h"
#include "exdm/store/dsaccess_snapshot.h"

namespace exdm {

enum class DsAccessFindingKind { kDcDown, kDcOutOfSync, kGcNotAudited };
inline constexpr DsAccessFindingKind kAllDsAccessFindingKinds[] = {
    DsAccessFindingKind::kDcDown, DsAccessFindingKind::kDcOutOfSync,
    DsAccessFindingKind::kGcNotAudited};

// "dc_down", "dc_out_of_sync", "gc_not_audited".
std::string_view DsAccessFindingName(DsAccessFindingKind kind);
// dc_down and dc_out_of_sync WARNING, gc_not_audited OK (a note).
Severity DefaultSeverity(DsAccessFindingKind kind);

struct DsAccessFinding {
  DsAccessFindingKind kind = DsAccessFindingKind::kDcDown;
  std::string server;
  std::string dc;                   // host name as DSAccess lists it
  std::vector<DsAccessRole> roles;  // the roles it is listed in (for dc_down: the ones down)
  std::string add_uri;              // gc_not_audited: the -H to add ("ldap://gc2.contoso.com:3268")
  std::string text;                 // "EXCH01 uses gc2.contoso.com (GC), which is not audited: …"
};

struct DsAccessView {
  std::vector<std::string> servers;       // every server with a snapshot, in the order given
  std::vector<DsAccessFinding> findings;  // by server (snapshot order), then host, then kind
  // Per server (as labelled): the hosts that are up as its configuration DC (C) or a global
  // catalog (G), with every role DSAccess lists them in, in snapshot order: where the server
  // reads its configuration, and so the SMTP mailbox, from (as DSAccess 2080's C and G).
  std::map<std::string, std::vector<DirectoryServerInUse>> directory_servers;

  // The GCs `server` uses and that are up (compared as SameServerName); empty when unknown.
  std::vector<std::string> GlobalCatalogsOf(const std::string& server) const;
};

// `audit` may be null (no -H): then gc_not_audited is not judged.
DsAccessView AnalyzeDsAccess(const std::vector<DsAccessSnapshot>& snapshots,
                             const AuditReport* audit);

}  // namespace exdm
