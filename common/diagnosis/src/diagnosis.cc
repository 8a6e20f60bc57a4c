#include "exdm/diagnosis/diagnosis.h"

#include "diagnosis_stages.h"
#include "exdm/base/text_util.h"

namespace exdm {

std::string_view DiagnosisKindName(DiagnosisKind kind) {
  switch (kind) {
    case DiagnosisKind::kSmtpMailbox:
      return "smtp_mailbox";
    case DiagnosisKind::kGatewayUnchecked:
      return "gateway_unchecked";
    case DiagnosisKind::kSystemMailboxMissing:
      return "system_mailbox_missing";
    case DiagnosisKind::kPermissionsOrGc:
      return "permissions_or_gc";
    case DiagnosisKind::kPoisonMessage:
      return "poison_message";
    case DiagnosisKind::kStoreSideExhaustion:
      return "store_side_exhaustion";
    case DiagnosisKind::kUnexplainedStall:
      return "unexplained_stall";
  }
  return "smtp_mailbox";
}

std::string LdapUriHost(std::string_view uri) {
  const size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = uri.substr(scheme + 3);
  if (ToLowerAscii(uri.substr(0, scheme)) == "ldapi") return "";
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    return close == std::string_view::npos ? "" : ToLowerAscii(rest.substr(1, close - 1));
  }
  return ToLowerAscii(rest.substr(0, rest.find(':')));
}

bool SameHost(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return false;
  if (EqualsIgnoreCase(a, b)) return true;
  // Addresses compare whole: "10" is no short name of "10.0.0.1".
  auto is_address = [](std::string_view h) {
    return h.find(':') != std::string_view::npos ||
           h.find_first_not_of("0123456789.") == std::string_view::npos;
  };
  if (is_address(a) || is_address(b)) return false;
  const bool a_short = a.find('.') == std::string_view::npos;
  const bool b_short = b.find('.') == std::string_view::npos;
  if (a_short == b_short) return false;  // two FQDNs (or two short names) that differ
  const std::string_view short_name = a_short ? a : b;
  const std::string_view fqdn = a_short ? b : a;
  return EqualsIgnoreCase(fqdn.substr(0, fqdn.find('.')), short_name);
}

Diagnosis Diagnose(const DiagnosisInputs& inputs) {
  const diagnosis_stages::DiagnosisFacts facts = diagnosis_stages::GatherFacts(inputs);
  Diagnosis diagnosis = diagnosis_stages::Classify(facts, inputs.now);
  diagnosis_stages::RenderSummaries(facts, diagnosis);
  return diagnosis;
}

}  // namespace exdm
