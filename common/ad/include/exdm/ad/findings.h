// The SMTP mailbox audit's finding kinds: their names (the `finding` label values and the words of
// --finding-severity, a contract) and their default severities.
#pragma once

#include <optional>
#include <string_view>

#include "exdm/base/severity.h"

namespace exdm {

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
// dc_disagree and orphan default to WARNING, everything else to CRITICAL (docs/ARCHITECTURE.md
// "Finding kinds").
Severity DefaultSeverity(FindingKind kind);

}  // namespace exdm
