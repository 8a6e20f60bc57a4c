// Reading LDIF back in tests (ldapsearch output, the repair LDIF, generated organizations) with
// libldap's own LDIF reader: folded lines joined, base64 (`::`) values decoded, attribute names
// compared case-insensitively.
#pragma once

#include <string>
#include <vector>

namespace exdm::testing {

struct LdifEntry {
  std::string dn;
  std::vector<std::pair<std::string, std::string>> attributes;  // in order, values decoded

  // Every value of `name` (case-insensitive).
  std::vector<std::string> Values(const std::string& name) const;
  // The first value of `name`, or "" when absent.
  std::string Value(const std::string& name) const;
  bool Has(const std::string& name) const { return !Values(name).empty(); }
};

std::vector<LdifEntry> ParseLdif(const std::string& text);

}  // namespace exdm::testing
