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

// The subtree search under CN=Administrative Groups: admin groups, servers (DNS name from
// networkAddress, messageTrackingEnabled), MTAs, storage groups and stores, linked to their parents
// by DN; recovery storage groups marked (RecoveryMark). Needs the organization.
void AddConfigurationObjects(const std::vector<LdapEntry>& entries, ExchangeTopology& topology,
                             const std::string& recovery_group_name = kDefaultRecoveryGroupName);

// Why a storage group is a Recovery Storage Group, the one place this rule lives (docs/DOMAIN.md
// "Recovery storage groups"): msExchRestore TRUE on the storage group or one of its stores, or
// msExchOrigMDB on one of its stores (the store it was restored from); as the last resort, not
// confirmed on a live server, its name equal to `recovery_group_name` (empty: no name rule).
// Empty when it is an ordinary storage group.
std::string RecoveryMark(const LdapEntry& storage_group,
                         const std::vector<const LdapEntry*>& stores,
                         const std::string& recovery_group_name);

// One entry of the one-level crossRef search under CN=Partitions: a domain of the forest when
// systemFlags has FLAG_CR_NTDS_DOMAIN (2); added unreadable until a search shows otherwise.
void AddDomain(const LdapEntry& cross_ref, ExchangeTopology& topology);

// AddConfigurationObjects one entry at a time as the search returns them, so the entries are
// never all held (at 10,000 stores they were the largest part of the exporter's peak): each keeps
// its parsed DN, the two attributes every kind uses and the few its kind needs.
class ConfigurationObjects {
 public:
  void Add(const LdapEntry& entry);
  // Links what was added into `topology` (needs its organization); leaves this empty.
  void AddTo(ExchangeTopology& topology,
             const std::string& recovery_group_name = kDefaultRecoveryGroupName);

 private:
  struct Entry {
    Dn dn;
    std::optional<std::string> legacy_dn;
    std::optional<std::string> guid_bytes;  // objectGUID as read
    bool is_public = false;                 // msExchPublicMDB
    // A server's networkAddress and messageTrackingEnabled; a storage group's or store's
    // msExchRestore and msExchOrigMDB (RecoveryMark). Empty for most entries.
    LdapEntry kept;
  };
  std::vector<Entry> admin_groups_, servers_, mtas_, storage_groups_, stores_;
};

// One entry of the one-level mailGateway search under CN=Connections.
void AddSmtpGateway(const LdapEntry& entry, ExchangeTopology& topology);

// One entry of the SystemMailbox* search under CN=Microsoft Exchange System Objects.
void AddSystemMailbox(const LdapEntry& entry, ExchangeTopology& topology);

}  // namespace exdm
