#include "exdm/ad/mailbox_audit.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>

#include "exdm/base/text_util.h"

namespace exdm {
namespace {

constexpr const char kCorrectDeliveryMechanism[] = "2";

bool InScope(const AuditOptions& options, const std::string& server) {
  if (options.servers.empty()) return true;
  for (const std::string& s : options.servers) {
    if (FoldDirectoryString(s) == FoldDirectoryString(server)) return true;
  }
  return false;
}

// A tombstone reads back as "<old rdn>\nDEL:<guid>" (docs/DOMAIN.md "How real AD shows a broken
// reference"); a replication collision as "\nCNF:<guid>".
bool IsDeletedObject(const Dn& dn) {
  for (const Rdn& rdn : dn.rdns()) {
    for (const Ava& ava : rdn) {
      if (ava.value.find("\nDEL:") != std::string::npos) return true;
    }
  }
  return false;
}

std::optional<Dn> ParseDn(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto dn = Dn::Parse(*text);
  if (!dn.ok()) return std::nullopt;
  return std::move(*dn);
}

// Whether a DN-valued attribute names `want`, whose text is `want_text` (want.ToString()). The
// text as the directory returns it is usually that same text: then no parse is needed (a DN's
// rendering parses back to the same DN).
bool NamesDn(const std::optional<std::string>& text, const Dn& want, const std::string& want_text) {
  if (!text) return false;
  if (*text == want_text) return true;
  auto dn = Dn::Parse(*text);
  return dn.ok() && *dn == want;
}

std::string ExpectedCn(const std::string& server, const Guid& guid) {
  return "SMTP (" + server + "-" + guid.ToBracedUpper() + ")";
}

// The cn with the hyphen, or the KB article's own example without it.
bool NameAccepted(const std::string& cn, const std::string& server, const Guid& guid) {
  const std::string folded = FoldDirectoryString(cn);
  return folded == FoldDirectoryString(ExpectedCn(server, guid)) ||
         folded == FoldDirectoryString("SMTP (" + server + guid.ToBracedUpper() + ")");
}

// Server named by a gateway that belongs to no store: from "SMTP (X-{G})" / "SMTP (X{G})" /
// "SMTP (X)", else from ".../cn=SMTP (X)/..." in legacyExchangeDN, else from homeMTA's parent.
std::string OrphanServer(const SmtpGateway& gw) {
  auto from_smtp_name = [](std::string_view text) -> std::string {
    const std::string_view prefix = "SMTP (";
    if (text.size() <= prefix.size() || !EqualsIgnoreCase(text.substr(0, prefix.size()), prefix))
      return "";
    text.remove_prefix(prefix.size());
    size_t end = text.find_first_of("{)");
    if (end == std::string_view::npos) return "";
    std::string_view server = text.substr(0, end);
    if (!server.empty() && server.back() == '-' && text[end] == '{') server.remove_suffix(1);
    return std::string(server);
  };
  std::string server = from_smtp_name(gw.dn.LeafValue());
  if (!server.empty()) return server;
  if (gw.legacy_dn) {
    const std::string folded = ToLowerAscii(*gw.legacy_dn);
    const size_t at = folded.find("/cn=smtp (");
    if (at != std::string::npos) {
      server = from_smtp_name(std::string_view(*gw.legacy_dn).substr(at + 4));
      if (!server.empty()) return server;
    }
  }
  if (auto mta = ParseDn(gw.home_mta); mta && mta->size() > 1 && !IsDeletedObject(*mta)) {
    return mta->Parent().LeafValue();
  }
  return "";
}

struct Expected {
  GatewaySpec spec;
  std::optional<Dn> mta;
};

// DN texts the audit writes for every store, rendered once per audit (or per server) rather than
// once per store: at 10,000 stores rendering DNs was most of the audit's time.
struct RenderedDns {
  std::string connections;             // the organization's CN=Connections
  std::vector<std::string> mta;        // per server: its Microsoft MTA, empty without one
  std::vector<std::string> legacy_ag;  // per server: its administrative group's legacyExchangeDN
};

RenderedDns RenderDns(const ExchangeTopology& t, const Dn& connections) {
  RenderedDns r;
  r.connections = connections.ToString();
  for (const ExchangeServer& server : t.servers) {
    r.mta.push_back(server.mta ? server.mta->ToString() : std::string());
    r.legacy_ag.push_back(t.AdminGroupLegacyDn(server));
  }
  return r;
}

Expected ExpectedGateway(const ExchangeTopology& t, const RenderedDns& rendered,
                         const ExchangeStore& store) {
  const size_t server_index = t.storage_groups[store.storage_group].server;
  const ExchangeServer& server = t.servers[server_index];
  Expected e;
  e.spec.cn = ExpectedCn(server.name, store.guid);
  // connections.Child("CN", cn).ToString(), without copying the parent's RDNs.
  e.spec.dn = "CN=" + EscapeDnValue(e.spec.cn) +
              (rendered.connections.empty() ? "" : "," + rendered.connections);
  e.spec.home_mdb = store.dn.ToString();
  if (server.mta) e.spec.home_mta = rendered.mta[server_index];
  e.mta = server.mta;
  e.spec.legacy_dn = rendered.legacy_ag[server_index] +
                     "/cn=Configuration/cn=Connections/cn=SMTP (" + server.name +
                     ")/cn=" + store.guid.ToBracedUpper();
  return e;
}

// The replacement for each attribute-only finding: the attribute and its correct value.
std::optional<std::pair<std::string, std::string>> Replacement(const Finding& f) {
  switch (f.kind) {
    case FindingKind::kWrongHomeMdb:
    case FindingKind::kWrongHomeMta:
    case FindingKind::kWrongDeliveryMechanism:
    case FindingKind::kWrongLegacyDn:
      return std::make_pair(f.attribute, f.expected);
    default:
      return std::nullopt;
  }
}

// A gateway to delete goes into the repair only when it is recognisably an SMTP mailbox.
void DeleteOrKeep(const SmtpGateway& gw, GatewayRepair& repair, Finding& finding) {
  if (IsSmtpMailbox(gw)) {
    repair.delete_dns.push_back(gw.dn.ToString());
    return;
  }
  repair.not_deleted.push_back(gw.dn.ToString());
  finding.note += std::string(finding.note.empty() ? "" : "; ") +
                  "not deleted: not recognisably an SMTP mailbox (cn \"SMTP (...\" and "
                  "legacyExchangeDN \".../cn=Connections/cn=SMTP (...\"); check it by hand";
}

Finding MakeFinding(FindingKind kind, const StoreRef& ref, const std::string& guid,
                    const std::string& object_dn) {
  Finding f;
  f.kind = kind;
  f.store = ref;
  f.store_guid = guid;
  f.object_dn = object_dn;
  return f;
}

// Everything wrong with one gateway judged as store S's SMTP mailbox.
std::vector<Finding> CheckGateway(const SmtpGateway& gw, const ExchangeStore& store,
                                  const ExchangeServer& server, const Expected& e,
                                  const StoreRef& ref) {
  std::vector<Finding> out;
  // Rendered only for a finding: most gateways have none.
  std::string guid, dn;
  auto add = [&](FindingKind kind, const char* attribute, const std::optional<std::string>& actual,
                 const std::string& expected, std::string note = "") {
    if (dn.empty()) {
      guid = store.guid.ToString();
      dn = gw.dn.ToString();
    }
    Finding f = MakeFinding(kind, ref, guid, dn);
    f.attribute = attribute;
    f.actual = actual.value_or("");
    f.expected = expected;
    f.note = std::move(note);
    out.push_back(std::move(f));
  };
  if (!NameAccepted(gw.dn.LeafValue(), server.name, store.guid)) {
    add(FindingKind::kWrongName, "cn", gw.dn.LeafValue(), e.spec.cn);
  }
  if (!NamesDn(gw.home_mdb, store.dn, e.spec.home_mdb)) {
    add(FindingKind::kWrongHomeMdb, "homeMDB", gw.home_mdb, e.spec.home_mdb,
        gw.home_mdb ? "" : "not set (the store it named was deleted, or it was never set)");
  }
  if (e.mta) {  // without an MTA there is no right value: mta_missing says so
    if (!NamesDn(gw.home_mta, *e.mta, e.spec.home_mta)) {
      const auto home_mta = ParseDn(gw.home_mta);
      std::string note;
      if (!gw.home_mta)
        note = "not set";
      else if (home_mta && IsDeletedObject(*home_mta))
        note = "dangling: points at a deleted object";
      add(FindingKind::kWrongHomeMta, "homeMTA", gw.home_mta, e.spec.home_mta, note);
    }
  }
  if (!gw.delivery_mechanism ||
      std::string(TrimAscii(*gw.delivery_mechanism)) != kCorrectDeliveryMechanism) {
    add(FindingKind::kWrongDeliveryMechanism, "deliveryMechanism", gw.delivery_mechanism,
        kCorrectDeliveryMechanism, gw.delivery_mechanism ? "" : "not set");
  }
  if (!gw.legacy_dn ||
      FoldDirectoryString(*gw.legacy_dn) != FoldDirectoryString(e.spec.legacy_dn)) {
    add(FindingKind::kWrongLegacyDn, "legacyExchangeDN", gw.legacy_dn, e.spec.legacy_dn,
        gw.legacy_dn ? "" : "not set");
  }
  return out;
}

bool IsOrphan(const Finding& f) {
  return f.kind == FindingKind::kOrphan;
}

void SortFindings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_tuple(IsOrphan(a), a.store, static_cast<int>(a.kind), a.object_dn,
                           a.attribute) < std::make_tuple(IsOrphan(b), b.store,
                                                          static_cast<int>(b.kind), b.object_dn,
                                                          b.attribute);
  });
}

// What one view could judge: its stores (by GUID and by DN, recovery stores included) and the
// mailbox stores whose system mailbox it could not look for.
struct ViewJudgement {
  std::map<std::string, StoreRef> stores;        // guid -> store
  std::map<std::string, std::string> store_dns;  // Dn key -> guid
  std::map<std::string, std::string> unchecked;  // guid -> reason
};

std::vector<ViewJudgement> JudgeViews(const std::vector<AuditReport*>& up) {
  std::vector<ViewJudgement> out;
  for (const AuditReport* r : up) {
    ViewJudgement j;
    auto add = [&j](const StoreInfo& s) {
      j.stores[s.guid] = s.ref;
      if (auto dn = Dn::Parse(s.dn); dn.ok()) j.store_dns[dn->key()] = s.guid;
    };
    for (const StoreInfo& s : r->stores)
      add(s);
    for (const RecoveryStore& s : r->recovery_stores)
      add(s.store);
    for (const UncheckedSystemMailbox& u : r->unchecked_system_mailboxes)
      j.unchecked[u.store_guid] = u.reason;
    out.push_back(std::move(j));
  }
  return out;
}

// Stores no view could look for the system mailbox of: a view that has the store and did not list
// it as unchecked has judged it (found or missing).
std::vector<UncheckedSystemMailbox> UncheckedEverywhere(const std::vector<ViewJudgement>& judged,
                                                        const std::vector<std::string>& uris) {
  std::map<std::string, UncheckedSystemMailbox> out;  // guid ->
  for (size_t v = 0; v < judged.size(); ++v) {
    for (const auto& [guid, reason] : judged[v].unchecked) {
      auto [it, inserted] = out.try_emplace(guid);
      if (inserted) {
        it->second.store = judged[v].stores.at(guid);
        it->second.store_guid = guid;
      } else {
        it->second.reason += "; ";
      }
      it->second.reason += "on " + uris[v] + ": " + reason;
    }
  }
  std::vector<UncheckedSystemMailbox> result;
  for (auto& entry : out) {
    // Not a structured binding: C++17 lambdas cannot capture those (clang refuses).
    const auto& guid = entry.first;
    const bool checked_somewhere = std::any_of(
        judged.begin(), judged.end(),
        [&](const ViewJudgement& j) { return j.stores.count(guid) && !j.unchecked.count(guid); });
    if (!checked_somewhere) result.push_back(std::move(entry.second));
  }
  return result;
}

// The store an orphan gateway belongs to in some view (by the GUID it names or its homeMDB).
std::optional<std::pair<std::string, StoreRef>> StoreOfOrphan(
    const Finding& f, const std::vector<ViewJudgement>& judged) {
  auto home = Dn::Parse(f.actual);
  for (const ViewJudgement& j : judged) {
    if (!f.store_guid.empty()) {
      if (auto it = j.stores.find(f.store_guid); it != j.stores.end()) return *it;
    }
    if (home.ok() && !home->empty()) {
      if (auto it = j.store_dns.find(home->key()); it != j.store_dns.end()) {
        return std::make_pair(it->second, j.stores.at(it->second));
      }
    }
  }
  return std::nullopt;
}

// The orphans at `indices` become dc_disagree on their gateway; their deletes leave the repairs
// and the orphan counts are taken again from the orphans that remain.
void ReplaceReplicatingOrphans(const std::set<size_t>& indices,
                               const std::vector<ViewJudgement>& judged,
                               const std::vector<std::string>& uris, AuditReport& out) {
  if (indices.empty()) return;
  std::set<std::string> spared;  // Dn keys
  for (size_t i : indices) {
    Finding& f = out.findings[i];
    const auto store = StoreOfOrphan(f, judged);
    std::string have, lack;
    for (size_t v = 0; v < judged.size(); ++v) {
      std::string& dst = judged[v].stores.count(store->first) ? have : lack;
      dst += (dst.empty() ? "" : ", ") + uris[v];
    }
    if (auto dn = Dn::Parse(f.object_dn); dn.ok()) spared.insert(dn->key());
    f.kind = FindingKind::kDcDisagree;
    f.store = store->second;
    f.store_guid = store->first;
    f.expected = "the same on every domain controller";
    f.note = "an orphan only on " + lack + ", which lack its store; the store exists on " + have +
             " (replication not finished): not deleted";
  }
  for (auto it = out.repairs.begin(); it != out.repairs.end();) {
    auto& dns = it->delete_dns;
    dns.erase(std::remove_if(dns.begin(), dns.end(),
                             [&](const std::string& d) {
                               auto dn = Dn::Parse(d);
                               return dn.ok() && spared.count(dn->key());
                             }),
              dns.end());
    const bool empty = dns.empty() && !it->add && it->modify_dn.empty() && it->not_deleted.empty();
    it = empty ? out.repairs.erase(it) : std::next(it);
  }
  for (auto& [server, n] : out.orphans_per_server)
    n = 0;
  std::set<std::string> counted;
  for (const Finding& f : out.findings) {
    if (f.kind != FindingKind::kOrphan || !counted.insert(f.object_dn).second) continue;
    ++out.orphans_per_server[f.store.server.empty() ? "unknown" : f.store.server];
  }
}

}  // namespace

bool IsSmtpMailbox(const SmtpGateway& gw) {
  const std::string_view prefix = "SMTP (";
  const std::string& cn = gw.dn.LeafValue();
  return cn.size() > prefix.size() && EqualsIgnoreCase(std::string_view(cn).substr(0, 6), prefix) &&
         gw.legacy_dn &&
         ToLowerAscii(*gw.legacy_dn).find("/cn=connections/cn=smtp (") != std::string::npos;
}

size_t AuditReport::FailingStores(const std::function<bool(FindingKind)>& is_critical) const {
  std::set<StoreRef> failing;
  for (const Finding& f : findings) {
    if (!IsOrphan(f) && is_critical(f.kind)) failing.insert(f.store);
  }
  return failing.size();
}

std::map<FindingKind, size_t> AuditReport::FindingsFor(const StoreRef& store) const {
  std::map<FindingKind, size_t> out;
  for (const Finding& f : findings) {
    if (!IsOrphan(f) && f.store == store) ++out[f.kind];
  }
  return out;
}

AuditReport AuditSmtpMailboxes(const ExchangeTopology& t, const AuditOptions& options) {
  AuditReport r;
  for (const ExchangeServer& s : t.servers) {
    if (!InScope(options, s.name)) continue;
    r.servers.push_back(s.name);
    r.orphans_per_server[s.name] = 0;
  }

  // The DN keys are viewed where the topology holds them, not copied: 10,000 stores.
  std::map<Guid, size_t> by_guid;
  std::unordered_map<std::string_view, size_t> by_dn;
  by_dn.reserve(t.stores.size());
  for (size_t i = 0; i < t.stores.size(); ++i) {
    by_guid.emplace(t.stores[i].guid, i);
    by_dn.emplace(t.stores[i].dn.key(), i);
  }

  // Attribute each gateway to a store: the GUID in its name first (the identity Exchange gave
  // it), then the GUID in legacyExchangeDN, then homeMDB, so a gateway whose homeMDB vanished or
  // points elsewhere still lands on its own store.
  const Dn connections = t.ConnectionsDn();
  const RenderedDns rendered = RenderDns(t, connections);
  std::vector<std::vector<const SmtpGateway*>> attributed(t.stores.size());
  for (const SmtpGateway& gw : t.gateways) {
    if (!connections.IsParentOf(gw.dn)) continue;  // connectors elsewhere are not SMTP mailboxes
    std::optional<size_t> store;
    std::optional<Guid> named_guid = FindBracedGuid(gw.dn.LeafValue());
    if (named_guid) {
      if (auto it = by_guid.find(*named_guid); it != by_guid.end()) store = it->second;
    }
    std::optional<Guid> legacy_guid = gw.legacy_dn ? FindBracedGuid(*gw.legacy_dn) : std::nullopt;
    if (!store && legacy_guid) {
      if (auto it = by_guid.find(*legacy_guid); it != by_guid.end()) store = it->second;
    }
    if (!store) {
      if (auto mdb = ParseDn(gw.home_mdb)) {
        if (auto it = by_dn.find(mdb->key()); it != by_dn.end()) store = it->second;
      }
    }
    if (store) {
      if (!InScope(options, t.ServerOf(t.stores[*store]).name)) continue;
      if (t.IsRecovery(t.stores[*store])) continue;  // not audited, and no orphan either
      attributed[*store].push_back(&gw);
      ++r.gateways;
      continue;
    }
    // Orphan: its store does not exist.
    std::string server = OrphanServer(gw);
    if (!options.servers.empty() && !InScope(options, server)) continue;
    ++r.gateways;
    // Count under the audited server's own spelling when it is one.
    for (const std::string& s : r.servers) {
      if (FoldDirectoryString(s) == FoldDirectoryString(server)) server = s;
    }
    ++r.orphans_per_server[server.empty() ? "unknown" : server];
    const std::optional<Guid> guid = named_guid ? named_guid : legacy_guid;
    Finding f = MakeFinding(FindingKind::kOrphan, StoreRef{server, "", ""},
                            guid ? guid->ToString() : "", gw.dn.ToString());
    f.attribute = "homeMDB";
    f.actual = gw.home_mdb.value_or("");
    f.note = guid ? "no store has objectGUID " + guid->ToBracedUpper() : "names no existing store";
    GatewayRepair repair;
    repair.store = f.store;
    repair.store_guid = f.store_guid;
    DeleteOrKeep(gw, repair, f);
    repair.reasons.push_back("orphan");
    r.findings.push_back(std::move(f));
    r.repairs.push_back(std::move(repair));
  }
  for (const ExchangeServer& s : t.servers) {
    if (InScope(options, s.name) && s.message_tracking == false)
      r.tracking_disabled.push_back(s.name);
  }
  const bool every_domain_read = std::all_of(t.view.domains.begin(), t.view.domains.end(),
                                             [](const DirectoryDomain& d) { return d.readable; });

  r.stores.reserve(t.stores.size());
  for (size_t i = 0; i < t.stores.size(); ++i) {
    const ExchangeStore& store = t.stores[i];
    const ExchangeServer& server = t.ServerOf(store);
    if (!InScope(options, server.name)) continue;
    const StoreRef ref = t.RefOf(store);
    const std::string guid = store.guid.ToString();
    if (t.IsRecovery(store)) {
      r.recovery_stores.push_back({StoreInfo{ref, store.type, guid, store.dn.ToString()},
                                   t.storage_groups[store.storage_group].recovery});
      continue;
    }
    const Expected e = ExpectedGateway(t, rendered, store);
    r.stores.push_back(StoreInfo{ref, store.type, guid, e.spec.home_mdb});

    if (!server.mta) {
      Finding f = MakeFinding(FindingKind::kMtaMissing, ref, guid,
                              server.dn.Child("CN", "Microsoft MTA").ToString());
      f.attribute = "homeMTA";
      f.expected = f.object_dn;
      f.note = "server has no Microsoft MTA object; homeMTA has nothing to point at";
      r.findings.push_back(std::move(f));
    }
    if (store.type == StoreType::kMailbox && t.system_mailboxes_known &&
        t.system_mailboxes.count(store.guid) == 0) {
      // Missing only where it would live could be read; else not checked (never a finding).
      const DirectoryDomain* home = t.DomainOf(server);
      if (home ? home->readable : every_domain_read) {
        const std::string name = "SystemMailbox" + store.guid.ToBracedUpper();
        const Dn domain = home ? home->nc : t.domain_nc;
        const std::string where = domain.empty()
                                      ? name
                                      : domain.Child("CN", "Microsoft Exchange System Objects")
                                            .Child("CN", name)
                                            .ToString();
        Finding f = MakeFinding(FindingKind::kSystemMailboxMissing, ref, guid, where);
        f.expected = where;
        f.note =
            "recreate the object, or move the mailboxes to a new store and delete this one "
            "(KB 316622); mounting the store does not recreate a missing AD object";
        r.findings.push_back(std::move(f));
      } else {
        std::string why;
        if (home) {
          why = "its domain " + (home->dns_root.empty() ? home->nc.ToString() : home->dns_root) +
                " could not be read here: " + home->why_not;
        } else {
          for (const DirectoryDomain& d : t.view.domains) {
            if (d.readable) continue;
            why += (why.empty() ? "" : ", ") + (d.dns_root.empty() ? d.nc.ToString() : d.dns_root) +
                   " (" + d.why_not + ")";
          }
          why = "the domain of " + server.name +
                " is not known (no networkAddress names a domain of the forest) and not every "
                "domain could be read here: " +
                why;
        }
        r.unchecked_system_mailboxes.push_back({ref, guid, why});
      }
    }

    GatewayRepair repair;
    repair.store = ref;
    repair.store_guid = guid;
    const auto& mine = attributed[i];
    if (mine.empty()) {
      Finding f = MakeFinding(FindingKind::kMissing, ref, guid, e.spec.dn);
      f.expected = e.spec.dn;
      r.findings.push_back(std::move(f));
      repair.add = e.spec;
      repair.reasons.push_back("missing");
    } else {
      // The best candidate is judged; the others are duplicates to delete.
      std::vector<std::vector<Finding>> checks;
      size_t best = 0;
      for (size_t g = 0; g < mine.size(); ++g) {
        checks.push_back(CheckGateway(*mine[g], store, server, e, ref));
        auto rank = [&](size_t k) {
          return std::make_tuple(checks[k].size(), mine[k]->dn.ToString() != e.spec.dn,
                                 mine[k]->dn.key());
        };
        if (g > 0 && rank(g) < rank(best)) best = g;
      }
      // A wrong name is fixed by delete + add (KB 828938's first procedure); wrong values by
      // correcting them on the object itself (its second procedure), which keeps the objectGUID
      // the store knows its SMTP mailbox by.
      const bool renamed =
          std::any_of(checks[best].begin(), checks[best].end(),
                      [](const Finding& f) { return f.kind == FindingKind::kWrongName; });
      for (Finding& f : checks[best]) {
        repair.reasons.push_back(std::string(FindingName(f.kind)));
        if (!renamed) {
          if (auto replace = Replacement(f)) {
            repair.modify_dn = mine[best]->dn.ToString();
            repair.replace.push_back(std::move(*replace));
          }
        }
      }
      if (renamed) {
        auto wrong_name =
            std::find_if(checks[best].begin(), checks[best].end(),
                         [](const Finding& f) { return f.kind == FindingKind::kWrongName; });
        DeleteOrKeep(*mine[best], repair, *wrong_name);
        repair.add = e.spec;
      }
      for (Finding& f : checks[best])
        r.findings.push_back(std::move(f));
      for (size_t g = 0; g < mine.size(); ++g) {
        if (g == best) continue;
        Finding f = MakeFinding(FindingKind::kDuplicate, ref, guid, mine[g]->dn.ToString());
        f.note = "the store's SMTP mailbox is " + mine[best]->dn.ToString();
        DeleteOrKeep(*mine[g], repair, f);
        r.findings.push_back(std::move(f));
        repair.reasons.push_back("duplicate");
      }
    }
    if (!repair.delete_dns.empty() || repair.add || !repair.modify_dn.empty() ||
        !repair.not_deleted.empty()) {
      r.repairs.push_back(std::move(repair));
    }
  }
  SortFindings(r.findings);
  r.view = t.view;
  return r;
}

AuditReport CombineViews(std::vector<AuditView> views) {
  AuditReport out;
  std::vector<AuditReport*> up;
  std::vector<std::string> up_uris;
  for (AuditView& v : views) {
    LdapSourceStatus s;
    s.uri = v.uri;
    s.up = v.report.ok();
    if (!s.up) s.error = v.report.status();
    if (s.up) s.view = v.report->view;
    out.sources.push_back(std::move(s));
    if (v.report.ok()) {
      up.push_back(&v.report.value());
      up_uris.push_back(v.uri);
    }
  }
  if (up.empty()) return out;

  // What every view could not judge, taken before the first view is moved into the result (one
  // view has nothing to compare it with: at 10,000 stores judging it was a tenth of the audit).
  const std::vector<ViewJudgement> judged =
      up.size() > 1 ? JudgeViews(up) : std::vector<ViewJudgement>();
  std::vector<LdapSourceStatus> sources = std::move(out.sources);
  out = std::move(*up[0]);
  out.sources = std::move(sources);
  for (Finding& f : out.findings)
    f.seen_on = {up_uris[0]};
  if (up.size() == 1) return out;

  auto finding_key = [](const Finding& f) {
    auto dn = Dn::Parse(f.object_dn);
    return std::string(FindingName(f.kind)) + '\x1f' + f.store.Display() + '\x1f' +
           (dn.ok() ? dn->key() : f.object_dn) + '\x1f' + f.attribute + '\x1f' + f.actual + '\x1f' +
           f.expected;
  };
  // Equal findings within one view (a directory that returned an entry twice) stay apart: each
  // view's copies match the first view's one by one, so no view is counted twice for one of them.
  std::map<std::string, std::vector<size_t>> index;
  for (size_t i = 0; i < out.findings.size(); ++i)
    index[finding_key(out.findings[i])].push_back(i);
  std::map<std::string, std::set<size_t>> store_views;  // store key -> views holding it
  auto store_key = [](const StoreInfo& s) { return s.ref.Display() + '\x1f' + s.guid; };
  for (const StoreInfo& s : out.stores)
    store_views[store_key(s)].insert(0);

  for (size_t v = 1; v < up.size(); ++v) {
    AuditReport& other = *up[v];
    std::map<std::string, size_t> matched;  // per key: how many of this view's copies so far
    for (Finding& f : other.findings) {
      const std::string key = finding_key(f);
      std::vector<size_t>& copies = index[key];
      size_t& n = matched[key];
      if (n < copies.size()) {
        out.findings[copies[n]].seen_on.push_back(up_uris[v]);
      } else {
        f.seen_on = {up_uris[v]};
        copies.push_back(out.findings.size());
        out.findings.push_back(std::move(f));
      }
      ++n;
    }
    for (const StoreInfo& s : other.stores) {
      auto& seen = store_views[store_key(s)];
      if (seen.empty()) out.stores.push_back(s);
      seen.insert(v);
    }
    for (const std::string& server : other.servers) {
      if (std::find(out.servers.begin(), out.servers.end(), server) == out.servers.end()) {
        out.servers.push_back(server);
      }
    }
    for (const std::string& server : other.tracking_disabled) {
      if (std::find(out.tracking_disabled.begin(), out.tracking_disabled.end(), server) ==
          out.tracking_disabled.end()) {
        out.tracking_disabled.push_back(server);
      }
    }
    for (RecoveryStore& rs : other.recovery_stores) {
      const bool known =
          std::any_of(out.recovery_stores.begin(), out.recovery_stores.end(),
                      [&](const RecoveryStore& o) { return o.store.guid == rs.store.guid; });
      if (!known) out.recovery_stores.push_back(std::move(rs));
    }
    for (const auto& [server, n] : other.orphans_per_server) {
      size_t& mine = out.orphans_per_server[server];
      mine = std::max(mine, n);
    }
    out.gateways = std::max(out.gateways, other.gateways);
  }
  out.unchecked_system_mailboxes = UncheckedEverywhere(judged, up_uris);

  // Orphans whose store some view has: the views that call them orphans lack the store
  // (replication not finished). dc_disagree, and never deleted.
  std::set<size_t> replicating;
  for (size_t i = 0; i < out.findings.size(); ++i) {
    if (out.findings[i].kind == FindingKind::kOrphan && StoreOfOrphan(out.findings[i], judged)) {
      replicating.insert(i);
    }
  }

  // One dc_disagree per (store, object, attribute) where the views that judged it differ.
  std::map<std::tuple<StoreRef, std::string, std::string>, Finding> disagreements;
  auto views_text = [&](const std::vector<std::string>& seen,
                        const std::set<std::string>& not_judging) {
    std::string have, lack;
    for (const std::string& uri : up_uris) {
      if (not_judging.count(uri)) continue;
      std::string& dst = std::find(seen.begin(), seen.end(), uri) != seen.end() ? have : lack;
      dst += (dst.empty() ? "" : ", ") + uri;
    }
    return std::make_pair(have, lack);
  };
  for (size_t i = 0; i < out.findings.size(); ++i) {
    const Finding& f = out.findings[i];
    if (f.seen_on.size() == up_uris.size() || replicating.count(i)) continue;
    // A view that could not look for a system mailbox does not disagree with one that found it
    // missing.
    std::set<std::string> not_judging;
    if (f.kind == FindingKind::kSystemMailboxMissing) {
      for (size_t v = 0; v < judged.size(); ++v) {
        if (judged[v].unchecked.count(f.store_guid)) not_judging.insert(up_uris[v]);
      }
    }
    auto [have, lack] = views_text(f.seen_on, not_judging);
    if (lack.empty()) continue;
    auto key = std::make_tuple(f.store, f.object_dn, f.attribute);
    auto [it, inserted] = disagreements.try_emplace(key);
    Finding& d = it->second;
    if (inserted) {
      d = MakeFinding(FindingKind::kDcDisagree, f.store, f.store_guid, f.object_dn);
      d.attribute = f.attribute;
      d.expected = "the same on every domain controller";
    } else {
      d.note += "; ";
    }
    d.note += std::string(FindingName(f.kind)) + " seen on " + have + ", not on " + lack;
    d.actual += (d.actual.empty() ? "" : "; ") + have + ": " + (f.actual.empty() ? "-" : f.actual);
    d.seen_on = f.seen_on;
  }
  for (const StoreInfo& s : out.stores) {
    const auto& seen = store_views[store_key(s)];
    if (seen.size() == up.size()) continue;
    std::vector<std::string> seen_uris;
    for (size_t v : seen)
      seen_uris.push_back(up_uris[v]);
    auto [have, lack] = views_text(seen_uris, {});
    Finding d = MakeFinding(FindingKind::kDcDisagree, s.ref, s.guid, s.dn);
    d.note = "store exists on " + have + ", not on " + lack;
    d.expected = "the same on every domain controller";
    d.seen_on = seen_uris;
    disagreements.emplace(std::make_tuple(s.ref, s.dn, std::string("(store)")), std::move(d));
  }
  ReplaceReplicatingOrphans(replicating, judged, up_uris, out);
  for (auto& [key, d] : disagreements)
    out.findings.push_back(std::move(d));
  SortFindings(out.findings);
  return out;
}

}  // namespace exdm
