// LDAP result handling (exdm/topology_entries.h): whatever the directory returns for discovery's
// searches, turned into the topology, audited, combined across views and rendered as the repair
// LDIF - everything after libldap has decoded the entries.
// Input: byte 0 sets options (bit 0: system mailboxes searched, bit 1: -s the first server, bit 2:
// no recovery storage group name rule, bits 3-7: which crossRef domains were readable); the
// rest is LDIF ("dn: ...", "attr: value", "attr:: base64", blank line between entries; read by
// tests/support/ldif_reader). Entries go where the real searches would find them: the organization
// container, mailGateway objects, crossRef objects, SystemMailbox* by name, the rest to the
// Administrative Groups subtree. Properties:
// - no crash, no exception, no read past the input (ASan);
// - every index in the topology points inside its table;
// - the audit reports only stores of the topology, and its findings name audited stores;
// - a view combined with itself adds no dc_disagree finding and keeps every finding;
// - the repair LDIF contains only the lines the renderer writes: comments, blank lines,
//   changetype/objectClass/replace/"-" lines and the six attributes, values as SAFE-STRING or
//   base64. No value
//   from AD (a newline in a name, a "changetype: delete" hidden in homeMDB) adds a line of its own.
#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/ad/mailbox_audit.h"
#include "exdm/ad/topology_entries.h"
#include "exdm/base/text_util.h"
#include "fuzz_support.h"
#include "ldif_reader.h"

namespace {

using exdm::LdapEntry;

// The fuzzer's LDIF as the entries libldap would hand over (attribute names lower-cased, values
// grouped by attribute).
std::vector<LdapEntry> ReadLdif(std::string_view text) {
  std::vector<LdapEntry> out;
  for (const exdm::testing::LdifEntry& in : exdm::testing::ParseLdif(std::string(text))) {
    LdapEntry e;
    e.dn = in.dn;
    for (const auto& [name, value] : in.attributes) {
      const std::string lower = exdm::ToLowerAscii(name);
      auto it = std::find_if(e.attributes.begin(), e.attributes.end(),
                             [&](const auto& a) { return a.first == lower; });
      if (it == e.attributes.end()) {
        e.attributes.push_back({lower, {value}});
      } else {
        it->second.push_back(value);
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

// RFC 2849 SAFE-STRING as the renderer narrows it (printable ASCII; no leading space, ':' or '<';
// no trailing space), written as a pattern so the oracle does not share the renderer's code.
bool IsSafeString(std::string_view v) {
  static const std::regex kSafe("([\\x21-\\x39\\x3b\\x3d-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?)?");
  return std::regex_match(v.begin(), v.end(), kSafe);
}

bool IsBase64(std::string_view v) {
  for (char c : v) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  return true;
}

void CheckRepairLdif(const std::string& ldif) {
  static const std::set<std::string_view> kFixed = {
      "changetype: delete", "changetype: add",         "changetype: modify", "-",
      "objectClass: top",   "objectClass: mailGateway"};
  static const std::set<std::string_view> kAttributes = {
      "dn", "cn", "homeMDB", "homeMTA", "deliveryMechanism", "legacyExchangeDN"};
  std::string_view rest = ldif;
  bool in_record = false;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    FUZZ_CHECK(end != std::string_view::npos, "the LDIF ends with a line end");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    if (line.empty()) {
      in_record = false;
      continue;
    }
    if (line.front() == '#') continue;
    if (kFixed.count(line)) {
      FUZZ_CHECK(in_record, "changetype and objectClass lines follow a dn line");
      continue;
    }
    const size_t colon = line.find(':');
    FUZZ_CHECK(colon != std::string_view::npos, "an LDIF line is 'attribute: value'");
    const std::string_view attribute = line.substr(0, colon);
    if (attribute == "replace") {
      FUZZ_CHECK(in_record, "a replace line belongs to a modify record");
      FUZZ_CHECK(kAttributes.count(line.substr(colon + 2)),
                 "only the renderer's attributes change");
      continue;
    }
    FUZZ_CHECK(kAttributes.count(attribute), "only the renderer's attributes appear");
    FUZZ_CHECK(in_record || attribute == "dn", "a record starts with its dn");
    in_record = true;
    const std::string_view value = line.substr(colon + 1);
    if (value.substr(0, 2) == ": ") {
      FUZZ_CHECK(IsBase64(value.substr(2)), "a base64 value is base64");
    } else {
      FUZZ_CHECK(value.substr(0, 1) == " " && IsSafeString(value.substr(1)),
                 "a plain value is an RFC 2849 SAFE-STRING");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t mode = in.Byte();
  const std::vector<LdapEntry> entries = ReadLdif(in.rest());

  exdm::ExchangeTopology t;
  t.config_nc = *exdm::Dn::Parse("CN=Configuration,DC=contoso,DC=com");
  t.domain_nc = *exdm::Dn::Parse("DC=contoso,DC=com");
  std::vector<LdapEntry> organizations, configuration;
  for (const LdapEntry& e : entries) {
    if (e.HasObjectClass("msExchOrganizationContainer")) organizations.push_back(e);
  }
  if (!exdm::AddOrganization(organizations, "ldap://fuzz", t).ok()) return 0;
  for (const LdapEntry& e : entries) {
    if (e.HasObjectClass("msExchOrganizationContainer")) continue;
    if (e.HasObjectClass("mailGateway")) {
      exdm::AddSmtpGateway(e, t);
    } else if (e.HasObjectClass("crossRef")) {
      exdm::AddDomain(e, t);
    } else if (exdm::ToLowerAscii(e.dn).rfind("cn=systemmailbox", 0) == 0) {
      exdm::AddSystemMailbox(e, t);
    } else {
      configuration.push_back(e);
    }
  }
  exdm::AddConfigurationObjects(configuration, t,
                                (mode & 4) ? "" : exdm::kDefaultRecoveryGroupName);
  t.system_mailboxes_known = mode & 1;
  for (size_t i = 0; i < t.view.domains.size(); ++i)
    t.view.domains[i].readable = (mode >> (3 + i % 5)) & 1;

  for (const auto& server : t.servers)
    FUZZ_CHECK(server.admin_group < t.admin_groups.size(), "a server's admin group exists");
  for (const auto& sg : t.storage_groups)
    FUZZ_CHECK(sg.server < t.servers.size(), "a storage group's server exists");
  for (const auto& store : t.stores)
    FUZZ_CHECK(store.storage_group < t.storage_groups.size(), "a store's storage group exists");

  exdm::AuditOptions options;
  if ((mode & 2) && !t.servers.empty()) options.servers.push_back(t.servers.front().name);
  const exdm::AuditReport report = exdm::AuditSmtpMailboxes(t, options);
  FUZZ_CHECK(report.stores.size() <= t.stores.size(), "the audit reports the topology's stores");
  std::set<std::string> audited;
  for (const auto& s : report.stores)
    audited.insert(s.ref.Display());
  for (const exdm::Finding& f : report.findings) {
    FUZZ_CHECK(f.kind == exdm::FindingKind::kOrphan || audited.count(f.store.Display()),
               "a finding names an audited store");
    (void)exdm::DescribeFinding(f);
  }
  CheckRepairLdif(exdm::RenderRemediationLdif(report));

  std::vector<exdm::AuditView> views;
  views.push_back({"ldap://a", report});
  views.push_back({"ldap://b", report});
  const exdm::AuditReport combined = exdm::CombineViews(std::move(views));
  size_t disagree = 0;
  for (const exdm::Finding& f : combined.findings)
    disagree += f.kind == exdm::FindingKind::kDcDisagree;
  FUZZ_CHECK(disagree == 0, "two equal views do not disagree");
  FUZZ_CHECK(combined.findings.size() == report.findings.size(), "equal views keep every finding");
  CheckRepairLdif(exdm::RenderRemediationLdif(combined));
  return 0;
}
