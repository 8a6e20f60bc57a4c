// The SMTP mailbox integrity audit (docs/DOMAIN.md "A correct SMTP mailbox"): a pure function from
// an ExchangeTopology to findings, plus the repair plan that follows the KB: wrong attribute values
// are corrected on the existing object, a missing one is added, duplicates and orphans that are
// recognisably SMTP mailboxes are deleted, a wrong name means delete + add. AuditReport is the one
// result both front ends render: the check as plugin output, the exporter as
// exchange_smtp_mailbox_* / exchange_store_info / exchange_ldap_up.
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
  std::vector<std::string> delete_dns;  // SMTP mailboxes only (IsSmtpMailbox)
  std::optional<GatewaySpec> add;
  // Attribute values corrected on the existing SMTP mailbox (KB 828938's second procedure): the
  // object keeps its objectGUID and the store keeps its mailbox. Empty modify_dn: none.
  std::string modify_dn;
  std::vector<std::pair<std::string, std::string>> replace;  // attribute, value
  // Objects that would be deleted but are not recognisably SMTP mailboxes: reported, never
  // deleted.
  std::vector<std::string> not_deleted;
  std::vector<std::string> reasons;  // finding names that led to it
};

struct StoreInfo {
  StoreRef ref;
  StoreType type = StoreType::kMailbox;
  std::string guid;  // lower case, no braces
  std::string dn;
};

// A mailbox store whose system mailbox could not be looked for: the domain it lives in was not
// readable on the server asked (docs/DOMAIN.md "System mailboxes"). Not a finding: "not checked".
struct UncheckedSystemMailbox {
  StoreRef store;
  std::string store_guid;
  std::string reason;  // "domain child.contoso.com (DC=child,...) refers to ldap://..."
};

// A store of a Recovery Storage Group: no SMTP mailbox and no system mailbox by design, so not
// audited (docs/DOMAIN.md "Recovery storage groups").
struct RecoveryStore {
  StoreInfo store;
  std::string why;  // what marked its storage group: "msExchRestore", "msExchOrigMDB on ...", ...
};

struct LdapSourceStatus {
  std::string uri;
  bool up = false;
  std::optional<Status> error;  // set when !up
  DirectoryView view;           // what it could see, when up
};

struct AuditReport {
  std::vector<std::string> servers;  // every audited server (after -s), even without findings
  std::vector<StoreInfo> stores;     // audited stores (recovery stores are not)
  std::vector<Finding> findings;     // sorted by store, then kind
  size_t gateways = 0;               // SMTP mailboxes in scope
  std::map<std::string, size_t> orphans_per_server;  // every audited server present, 0 allowed
  std::vector<GatewayRepair> repairs;
  std::vector<UncheckedSystemMailbox> unchecked_system_mailboxes;
  std::vector<RecoveryStore> recovery_stores;
  // Audited servers whose Exchange server object says message tracking is off
  // (messageTrackingEnabled FALSE): their tracking logs cannot show a stall.
  std::vector<std::string> tracking_disabled;
  DirectoryView view;                     // the view this report was made from (one server)
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
// Gateways attributed to no store are orphans. Stores of recovery storage groups are listed, not
// audited (gateways that name them are theirs, not orphans). A mailbox store's system mailbox is
// missing only where its domain could be read; otherwise it is not checked. Fills everything but
// sources and audit_seconds.
AuditReport AuditSmtpMailboxes(const ExchangeTopology& topology, const AuditOptions& options);

// Whether a gateway is recognisably a store's SMTP mailbox, the only kind the repair deletes: its
// cn starts with "SMTP (" and its legacyExchangeDN holds "/cn=Connections/cn=SMTP (".
bool IsSmtpMailbox(const SmtpGateway& gateway);

// One view per -H URI (failed views carry their Status). Findings are merged (seen_on lists the
// URIs), and where the reachable views differ - a finding or a store one view has and another
// lacks - a dc_disagree finding is added. A gateway that is an orphan only in views that lack its
// store (replication not finished) is dc_disagree, never an orphan to delete. A system mailbox
// one view could not check and another could is judged by the views that checked it. Repairs
// come from the first reachable view.
struct AuditView {
  std::string uri;
  Result<AuditReport> report;
};
AuditReport CombineViews(std::vector<AuditView> views);

// A commented LDIF that applies the repairs: changetype modify (replace) for wrong attribute
// values, delete for duplicates and orphans, delete + add for a wrong name, add for a missing SMTP
// mailbox; never objectGUID or other attributes AD assigns itself. The header names where to
// apply it: a domain controller's port (389/636), never a global catalog's (3268/3269 are
// read-only). Findings LDIF cannot fix are listed as comments, and so is the add of a store whose
// server lacks its MTA object (AD refuses a mailGateway without homeMTA): no record for it until
// the MTA is restored.
std::string RenderRemediationLdif(const AuditReport& report);

// Where to apply the repair LDIF: a -H URI that answered as a domain controller (not a global
// catalog), else the domain controller port of the first one that answered; empty when none
// answered.
std::string RepairTargetUri(const AuditReport& report);

// One plain-text sentence: what is wrong and what to set (unsanitized; front ends sanitize).
std::string DescribeFinding(const Finding& finding);
// One plain-text sentence: what the repair does ("set homeMTA, deliveryMechanism on ...").
std::string DescribeRepair(const GatewayRepair& repair);

}  // namespace exdm
