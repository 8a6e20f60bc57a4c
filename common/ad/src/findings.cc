#include "exdm/ad/findings.h"

namespace exdm {

std::string_view FindingName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kMissing:
      return "missing";
    case FindingKind::kDuplicate:
      return "duplicate";
    case FindingKind::kWrongHomeMdb:
      return "wrong_home_mdb";
    case FindingKind::kWrongHomeMta:
      return "wrong_home_mta";
    case FindingKind::kWrongDeliveryMechanism:
      return "wrong_delivery_mechanism";
    case FindingKind::kWrongLegacyDn:
      return "wrong_legacy_dn";
    case FindingKind::kWrongName:
      return "wrong_name";
    case FindingKind::kMtaMissing:
      return "mta_missing";
    case FindingKind::kSystemMailboxMissing:
      return "system_mailbox_missing";
    case FindingKind::kDcDisagree:
      return "dc_disagree";
    case FindingKind::kOrphan:
      return "orphan";
  }
  return "unknown";
}

std::optional<FindingKind> ParseFindingKind(std::string_view name) {
  for (FindingKind kind : kAllFindingKinds) {
    if (FindingName(kind) == name) return kind;
  }
  return std::nullopt;
}

Severity DefaultSeverity(FindingKind kind) {
  switch (kind) {
    case FindingKind::kDcDisagree:
    case FindingKind::kOrphan:
      return Severity::kWarning;
    default:
      return Severity::kCritical;
  }
}

}  // namespace exdm
