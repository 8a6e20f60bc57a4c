// The SMTP mailbox integrity audit (docs/DOMAIN.md "A correct SMTP mailbox"): a pure function from
// an ExchangeTopology to findings, plus the repair plan that follows the KB (delete the bad object,
// add a correct mailGateway). AuditReport is the one result both front ends render: the check as
// plugin output, the exporter as exchange_smtp_mailbox_* / exchange_store_info / exchange_ldap_up.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exdm/ad/findings.h"
#include "exdm/ad/topology.h"
#include "exdm/base/status.h"
#include "exdm/base/store_ref.h"

namespace exdm {

struct Finding {
  FindingKind kind = FindingKind::kMissing;
  StoreRef store;          // orphans: only server (from the gateway's name), may be empty
  std::string store_guid;  // lower case, no braces; empty for orphans without a GUID
  std::string object_dn;   // the object at fault (or, for missing objects, where it should be)
  std::string attribute;   // "homeMDB", "homeMTA", "deliveryMechanism", "legacyExchangeDN", "cn",
                           // or empty when the whole object is at fault
  std::string actual;      // value found; empty when absent
  std::string expected;    // value it should have; empty when the object should go
  std::string note;        // extra fact, e.g. "deleted object" for a dangling homeMTA
  std::vector<std::string> seen_on;  // URIs whose view holds this finding (several -H)
};

// The mailGateway to create for a store, values derived from AD.
struct GatewaySpec {
  std::string dn;
  std::string cn;
  std::string home_mdb;
  std::string home_mta;  // empty when the server has no MTA object
  std::string delivery_mechanism = "2";
  std::string legacy_dn;
};

// The KB repair for one store, or for one orphan (add is empty then).
struct GatewayRepair {
  StoreRef store;
  std::string store_guid;
  std::vector<std::string> delete_dns;
  std::optional<GatewaySpec> add;
  std::vector<std::string> reasons;  // finding names that led to it
};

struct StoreInfo {
  StoreRef ref;
  StoreType type = StoreType::kMailbox;
  std::string guid;  // lower case, no braces
  std::string dn;
};

struct LdapSourceStatus {
  std::string uri;
  bool up = false;
  std::optional<Status> error;  // set when !up
};

struct AuditReport {
  std::vector<std::string> servers;  // every audited server (after -s), even without findings
  std::vector<StoreInfo> stores;
  std::vector<Finding> findings;                     // sorted by store, then kind
  size_t gateways = 0;                               // SMTP mailboxes in scope
  std::map<std::string, size_t> orphans_per_server;  // every audited server present, 0 allowed
  std::vector<GatewayRepair> repairs;
  std::vector<LdapSourceStatus> sources;  // one per -H URI, in order
  double audit_seconds = 0;

  // Stores with at least one finding the caller counts as critical ("failing stores"); the
  // severity of each kind is the front end's choice (--finding-severity).
  size_t FailingStores(const std::function<bool(FindingKind)>& is_critical) const;
  // Findings per kind for one store (for exchange_smtp_mailbox_findings).
  std::map<FindingKind, size_t> FindingsFor(const StoreRef& store) const;
};

struct AuditOptions {
  std::vector<std::string> servers;  // -s: restrict to these server cns (case-insensitive)
};

// The rules, per store S on server X (docs/DOMAIN.md "A correct SMTP mailbox"): exactly one
// gateway attributed to S (by the GUID in its cn, then the GUID in its legacyExchangeDN, then
// homeMDB); cn "SMTP (X-{GUID})" or the KB's "SMTP (X{GUID})"; homeMDB = S; homeMTA = X's MTA (a
// tombstone DN is dangling); deliveryMechanism 2; legacyExchangeDN
// "<AG legacyDN>/cn=Configuration/cn=Connections/cn=SMTP (X)/cn={GUID}".
// Gateways attributed to no store are orphans. Fills everything but sources and audit_seconds.
AuditReport AuditSmtpMailboxes(const ExchangeTopology& topology, const AuditOptions& options);

// One view per -H URI (failed views carry their Status). Findings are merged (seen_on lists the
// URIs), and where the reachable views differ - a finding or a store one view has and another
// lacks - a dc_disagree finding is added. Repairs come from the first reachable view.
struct AuditView {
  std::string uri;
  Result<AuditReport> report;
};
AuditReport CombineViews(std::vector<AuditView> views);

// A commented LDIF (changetype delete/add records) that applies the repairs; never objectGUID or
// other attributes AD assigns itself. Findings LDIF cannot fix are listed as comments, and so is
// the repair of a store whose server lacks its MTA object (AD refuses a mailGateway without
// homeMTA): no record for it until the MTA is restored.
std::string RenderRemediationLdif(const AuditReport& report);

// One plain-text sentence: what is wrong and what to set (unsanitized; front ends sanitize).
std::string DescribeFinding(const Finding& finding);

}  // namespace exdm
