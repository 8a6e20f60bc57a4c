// The pure half of LDAP discovery (ldap_discovery.h): what each search's entries add to the
// topology, with no connection in sight. Kept apart so that whatever a directory returns -
// hostile names, broken DNs, objectGUIDs of the wrong length, entries in unexpected places - can be
// fuzzed without a server (tests/fuzz/ldap_entries_fuzz.cc). An entry that does not fit is skipped,
// never fatal: the audit then reports what is missing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "exdm/ad/ldap_client.h"
#include "exdm/ad/topology.h"
#include "exdm/base/status.h"

namespace exdm {

// The one-level search for msExchOrganizationContainer: the first entry is the organization.
// kLdapError (naming `uri`) when there is none or its DN does not parse.
Status AddOrganization(const std::vector<LdapEntry>& organizations, const std::string& uri,
                       ExchangeTopology& topology);

// The subtree search under CN=Administrative Groups: admin groups, servers, MTAs, storage groups
// and stores, linked to their parents by DN. Needs the organization.
void AddConfigurationObjects(const std::vector<LdapEntry>& entries, ExchangeTopology& topology);

// The same, one entry at a time as the search returns them, so the entries are never all held
// (at 10,000 stores they were the largest part of the exporter's peak): each keeps its parsed DN
// and the two attributes the topology uses.
class ConfigurationObjects {
 public:
  void Add(const LdapEntry& entry);
  // Links what was added into `topology` (needs its organization); leaves this empty.
  void AddTo(ExchangeTopology& topology);

 private:
  struct Entry {
    Dn dn;
    std::optional<std::string> legacy_dn;
    std::optional<std::string> guid_bytes;  // objectGUID as read
    bool is_public = false;                 // msExchPublicMDB
  };
  std::vector<Entry> admin_groups_, servers_, mtas_, storage_groups_, stores_;
};

// One entry of the one-level mailGateway search under CN=Connections.
void AddSmtpGateway(const LdapEntry& entry, ExchangeTopology& topology);

// One entry of the SystemMailbox* search under CN=Microsoft Exchange System Objects.
void AddSystemMailbox(const LdapEntry& entry, ExchangeTopology& topology);

}  // namespace exdm
