// Vocabulary shared by every analyzer and both front ends: stores, findings, severities.
// Label values follow DESIGN.md: server/storage_group/store are AD cn values, store_guid is the
// objectGUID in lower-case text form without braces.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exdm/plugin_state.h"

namespace exdm {

enum class StoreType { kMailbox, kPublic };
std::string_view StoreTypeName(StoreType type);  // "mailbox" / "public"

// Server names are NetBIOS names, which Windows compares without regard to case: "exch01" in a
// tracking-directory label and "EXCH01" in AD are the same server.
bool SameServerName(std::string_view a, std::string_view b);

// The identity of a store as it appears in labels and plugin output.
struct StoreRef {
  std::string server;
  std::string storage_group;
  std::string store;

  bool operator==(const StoreRef& o) const {
    return server == o.server && storage_group == o.storage_group && store == o.store;
  }
  bool operator<(const StoreRef& o) const {
    if (server != o.server) return server < o.server;
    if (storage_group != o.storage_group) return storage_group < o.storage_group;
    return store < o.store;
  }
  // "EXCH01 / First Storage Group / Mailbox Store (EXCH01)"
  std::string Display() const;
};

// Finding kinds, in the order they are reported. Names are the `finding` label values (contract).
enum class FindingKind {
  kMissing,
  kDuplicate,
  kWrongHomeMdb,
  kWrongHomeMta,
  kWrongDeliveryMechanism,
  kWrongLegacyDn,
  kWrongName,
  kMtaMissing,
  kSystemMailboxMissing,
  kDcDisagree,
  kOrphan,
};
inline constexpr FindingKind kAllFindingKinds[] = {
    FindingKind::kMissing,
    FindingKind::kDuplicate,
    FindingKind::kWrongHomeMdb,
    FindingKind::kWrongHomeMta,
    FindingKind::kWrongDeliveryMechanism,
    FindingKind::kWrongLegacyDn,
    FindingKind::kWrongName,
    FindingKind::kMtaMissing,
    FindingKind::kSystemMailboxMissing,
    FindingKind::kDcDisagree,
    FindingKind::kOrphan,
};

std::string_view FindingName(FindingKind kind);
std::optional<FindingKind> ParseFindingKind(std::string_view name);
// DESIGN.md: dc_disagree and orphan default to WARNING, everything else to CRITICAL.
PluginState DefaultSeverity(FindingKind kind);

}  // namespace exdm
