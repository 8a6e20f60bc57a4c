#include "exdm/store/dsaccess_snapshot.h"

#include <utility>

#include "exdm/base/text_util.h"
#include "snapshot_csv.h"
#include "snapshot_files.h"

namespace exdm {
namespace {

enum Column : size_t { kSnapshotUtc, kServer, kDcName, kType, kIsUp, kIsInSync, kLdapPort, kCount };
static_assert(kCount == kDsAccessSnapshotColumns.size());
static_assert(kSnapshotUtc == store_csv::kSnapshotUtc && kServer == store_csv::kServer);

const std::string kKind = "DSAccess snapshot";

constexpr DsAccessRole kRoles[] = {DsAccessRole::kConfig, DsAccessRole::kDomain,
                                   DsAccessRole::kGlobalCatalog};

}  // namespace

std::string_view DsAccessRoleName(DsAccessRole role) {
  switch (role) {
    case DsAccessRole::kConfig:
      return "config";
    case DsAccessRole::kDomain:
      return "domain";
    case DsAccessRole::kGlobalCatalog:
      return "gc";
  }
  return "domain";
}

std::optional<DsAccessRole> ParseDsAccessRole(std::string_view name) {
  for (DsAccessRole role : kRoles) {
    if (EqualsIgnoreCase(name, DsAccessRoleName(role))) return role;
  }
  return std::nullopt;
}

std::string_view DsAccessRoleText(DsAccessRole role) {
  switch (role) {
    case DsAccessRole::kConfig:
      return "configuration DC";
    case DsAccessRole::kDomain:
      return "DC";
    case DsAccessRole::kGlobalCatalog:
      return "GC";
  }
  return "DC";
}

Result<DsAccessSnapshot> ParseDsAccessSnapshot(std::string_view text, const std::string& server) {
  auto reader = store_csv::Reader::Open(
      text, {{kDsAccessSnapshotColumns.begin(), kDsAccessSnapshotColumns.end()},
             {kDsAccessSnapshotRequiredColumns.begin(), kDsAccessSnapshotRequiredColumns.end()},
             kKind});
  if (!reader) return reader.status();
  DsAccessSnapshot snap;
  while (true) {
    auto row = reader->Next();
    if (!row) return row.status();
    if (!*row) break;
    const std::string_view name = reader->Field(kDcName);
    if (name.empty()) continue;  // DSAccess listed no DC
    DsAccessDc dc;
    dc.name = std::string(name);
    const auto role = ParseDsAccessRole(reader->Field(kType));
    if (!role) {
      return reader->Bad("type '" + std::string(reader->Field(kType)) +
                         "' is not config, domain or gc");
    }
    dc.role = *role;
    auto up = reader->Flag(kIsUp);
    if (!up) return up.status();
    dc.up = *up;
    auto in_sync = reader->Flag(kIsInSync);
    if (!in_sync) return in_sync.status();
    dc.in_sync = *in_sync;
    auto port = reader->Count(kLdapPort, 65535);
    if (!port) return port.status();
    if (*port) dc.ldap_port = static_cast<uint16_t>(**port);
    snap.dcs.push_back(std::move(dc));
  }
  auto label = reader->Finish(server);
  if (!label) return label.status();
  snap.server = std::move(*label);
  snap.taken_at = reader->taken_at();
  return snap;
}

Result<std::vector<DsAccessSnapshotRead>> ReadDsAccessSnapshots(const StoreSnapshotOptions& options,
                                                                const Deadline& deadline) {
  return store_files::ReadAll<DsAccessSnapshot>(options, deadline, kKind, ParseDsAccessSnapshot);
}

}  // namespace exdm
