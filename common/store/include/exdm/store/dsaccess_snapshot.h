// The directory servers an Exchange server really uses (docs/DOMAIN.md "Which global catalog"):
// one CSV per server, written by deploy/collect/exchange-store-snapshot.vbs from WMI
// (root\MicrosoftExchangeV2, Exchange_DSAccessDC, Exchange 2000 SP2 and later): DSAccess's own
// list of the configuration DC, the domain controllers and the global catalogs it talks to, and
// whether each answered and is in sync.
//
// The file (the contract; the script's header comment lists the columns and
// kDsAccessSnapshotColumns is the same list): a header, then one row per Exchange_DSAccessDC
// instance (a DC that serves in several roles has a row per role); when DSAccess lists none, one
// row with dc_name empty says when and for which server the snapshot was taken. Read as
// snapshot_read.h says; parsed strictly.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/deadline.h"
#include "exdm/base/status.h"
#include "exdm/store/snapshot_read.h"

namespace exdm {

inline constexpr std::array<std::string_view, 7> kDsAccessSnapshotColumns = {
    "snapshot_utc", "server", "dc_name", "type", "is_up", "is_in_sync", "ldap_port"};
inline constexpr std::array<std::string_view, 6> kDsAccessSnapshotRequiredColumns = {
    "snapshot_utc", "server", "dc_name", "type", "is_up", "is_in_sync"};

// Exchange_DSAccessDC's Type: 0, 1, 2.
enum class DsAccessRole { kConfig, kDomain, kGlobalCatalog };
// The `type` column's words and the `type` label values: "config", "domain", "gc".
std::string_view DsAccessRoleName(DsAccessRole role);
std::optional<DsAccessRole> ParseDsAccessRole(std::string_view name);
// For sentences: "configuration DC", "DC", "GC".
std::string_view DsAccessRoleText(DsAccessRole role);

struct DsAccessDc {
  std::string name;  // Name: the host name as DSAccess uses it
  DsAccessRole role = DsAccessRole::kDomain;
  bool up = false;       // IsUp: answered the last time Exchange tried it
  bool in_sync = false;  // IsInSync: in step with the GC and the configuration DC
  std::optional<uint16_t> ldap_port;
};

struct DsAccessSnapshot {
  std::string server;  // the label: NAME= of the input, which must match the file's server column
  std::string path;
  int64_t taken_at = 0;
  std::vector<DsAccessDc> dcs;  // file order; empty when DSAccess listed none
};

// Parses one file's bytes. `server` is the expected server (empty: take the file's). kBadInput
// with the line as for mailbox snapshots, and for a type other than config, domain, gc.
Result<DsAccessSnapshot> ParseDsAccessSnapshot(std::string_view text, const std::string& server);

using DsAccessSnapshotRead = StoreSnapshotRead<DsAccessSnapshot>;

Result<std::vector<DsAccessSnapshotRead>> ReadDsAccessSnapshots(const StoreSnapshotOptions& options,
                                                                const Deadline& deadline);

}  // namespace exdm
