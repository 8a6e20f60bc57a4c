// check_exchange_delivery mailbox: the SMTP mailbox integrity audit over LDAP.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include "exdm/ad/ldap_audit.h"
#include "modes.h"

namespace exdm::check {
namespace {

// FILE.tmp, then rename. The LDIF often goes to a shared directory such as /var/tmp, where
// another user could plant FILE.tmp as a symlink to a file of ours: the name is unlinked first
// (in a sticky directory only its owner can, and then the exclusive create fails) and created
// exclusively, never following a link. rename() replaces FILE itself, a symlink there included.
Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Status(ErrorCode::kIoError, "cannot create " + tmp + ": " + std::strerror(errno));
  }
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool closed = ::close(fd) == 0;
  if (written < content.size() || !closed) {
    ::unlink(tmp.c_str());
    return Status(ErrorCode::kIoError, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status(ErrorCode::kIoError, "cannot rename " + tmp + " to " + path);
  }
  return Status::Ok();
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

PluginState LdapFailureState(const Status& status, const CheckOptions& o) {
  switch (status.code()) {
    case ErrorCode::kUnreachable:
    case ErrorCode::kBindFailed:
      return o.unreachable_state;
    case ErrorCode::kTimeout:
      return o.timeout_state;
    default:
      return PluginState::kUnknown;
  }
}

void AddLdapFailure(const Status& status, const CheckOptions& o, const std::string& context,
                    PluginOutput& out) {
  out.Raise(LdapFailureState(status, o));
  out.AddSummaryKeptWhole(context + status.message());
}

namespace {

// What one server could see: every domain as a global catalog, or the domains it could read.
std::string ViewText(const LdapSourceStatus& source) {
  const DirectoryView& view = source.view;
  if (view.global_catalog) return source.uri + ": audited as a global catalog (every domain)";
  std::string read, unreadable;
  for (const DirectoryDomain& d : view.domains) {
    const std::string name = d.dns_root.empty() ? d.nc.ToString() : d.dns_root;
    if (d.readable) {
      read += (read.empty() ? "" : ", ") + name;
    } else {
      unreadable += (unreadable.empty() ? "" : "; ") + name + " (" + d.why_not + ")";
    }
  }
  return source.uri + ": audited" + (read.empty() ? "" : "; domains read: " + read) +
         (unreadable.empty() ? "" : "; not readable here: " + unreadable);
}

}  // namespace

void RenderMailboxAudit(const AuditReport& report, const CheckOptions& o, PluginOutput& out) {
  size_t up = 0;
  for (const LdapSourceStatus& source : report.sources) {
    if (source.up) {
      ++up;
      if (report.sources.size() > 1 || source.view.domains.size() > 1) {
        out.AddLongLine(ViewText(source));
      }
      continue;
    }
    AddLdapFailure(*source.error, o, "", out);
  }
  if (up == 0) return;

  auto severity = [&o](FindingKind kind) { return o.SeverityOf(kind); };
  const size_t failing = report.FailingStores(
      [&severity](FindingKind kind) { return severity(kind) == PluginState::kCritical; });
  size_t orphans = 0;
  for (const auto& [server, n] : report.orphans_per_server)
    orphans += n;

  // CRITICAL findings are judged through the failing-stores thresholds (so -c can tolerate some);
  // findings of other severities raise their state directly.
  out.Raise(o.failing_stores.Evaluate(static_cast<double>(failing)));
  std::set<std::string> kinds;
  for (const Finding& f : report.findings) {
    const PluginState state = severity(f.kind);
    if (state != PluginState::kCritical) out.Raise(state);
    kinds.insert(std::string(FindingName(f.kind)));
    const bool orphan = f.kind == FindingKind::kOrphan;
    const std::string where =
        orphan ? (f.store.server.empty() ? std::string("(unknown server)") : f.store.server)
               : f.store.Display();
    out.AddLongLine("[" + std::string(StateName(state)) + "] " + where + ": " +
                    std::string(FindingName(f.kind)) + " - " + DescribeFinding(f));
  }

  // Never findings: what could not be looked at, and what is not audited by design.
  for (const UncheckedSystemMailbox& u : report.unchecked_system_mailboxes)
    out.AddLongLine(u.store.Display() + ": system mailbox not checked: " + u.reason);
  for (const RecoveryStore& s : report.recovery_stores) {
    out.AddLongLine(s.store.ref.Display() + ": recovery storage group, not audited (" + s.why +
                    ")");
  }

  const size_t servers = report.servers.size();
  const size_t unchecked = report.unchecked_system_mailboxes.size();
  const std::string not_checked =
      unchecked ? "; " + Plural(unchecked, "system mailbox", "system mailboxes") + " not checked"
                : "";
  if (report.findings.empty()) {
    out.AddSummary(Plural(report.stores.size(), "store", "stores") + " on " +
                   Plural(servers, "server", "servers") + ", every SMTP mailbox correct" +
                   not_checked);
  } else {
    std::string kinds_text;
    for (const std::string& k : kinds)
      kinds_text += (kinds_text.empty() ? "" : ", ") + k;
    out.AddSummary(
        std::to_string(failing) + " of " + Plural(report.stores.size(), "store", "stores") +
        " failing" +
        (orphans ? ", " + Plural(orphans, "orphan SMTP mailbox", "orphan SMTP mailboxes") : "") +
        " (" + kinds_text + ")" + not_checked);
  }

  const double stores = static_cast<double>(report.stores.size());
  out.AddPerf({"stores", stores, "", nullptr, 0.0, std::nullopt});
  out.AddPerf({"failing_stores", static_cast<double>(failing), "", &o.failing_stores, 0.0, stores});
  out.AddPerf({"gateways", static_cast<double>(report.gateways), "", nullptr, 0.0, std::nullopt});
  out.AddPerf({"orphans", static_cast<double>(orphans), "", nullptr, 0.0, std::nullopt});
  out.AddPerf({"audit_duration", report.audit_seconds, "s", nullptr, 0.0, std::nullopt});

  if (!o.remediation_ldif.empty()) {
    Status s = WriteFileAtomically(o.remediation_ldif, RenderRemediationLdif(report));
    if (!s.ok()) {
      out.Raise(PluginState::kUnknown);
      out.AddSummary("remediation LDIF not written: " + s.message());
    } else {
      out.AddLongLine("remediation LDIF (" + Plural(report.repairs.size(), "repair", "repairs") +
                      ", never applied) written to " + o.remediation_ldif);
    }
  }
}

Result<LdapAuditRequest> BuildAuditRequest(const CheckOptions& o, const Deadline& deadline,
                                           PluginOutput& out) {
  std::string warning;
  auto request = MakeAuditRequest(o.ldap, &warning, deadline);
  if (!warning.empty()) out.AddLongLine("warning: " + warning);
  if (request) request->process_exits_after = true;  // one audit per run
  return request;
}

PluginOutput RunMailboxMode(const CheckOptions& o, const Deadline& deadline) {
  PluginOutput out;
  auto unknown = [&out](const std::string& reason) {
    out.SetState(PluginState::kUnknown);
    out.AddSummary(reason);
    return out;
  };
  if (o.ldap.uris.empty()) return unknown("mode mailbox needs -H/--ldap-uri");
  // The audit and the store snapshots, read at once through the core's pipeline (as `all` does).
  PipelineRequest request;
  request.now = EvaluationTime(o);
  request.ldap = o.ldap;
  AddStoreSnapshotSources(o, request);
  const PipelineRun run = RunPipeline(request, deadline);
  const GatheredSources& sources = run.sources;
  if (!sources.ldap_warning.empty()) out.AddLongLine("warning: " + sources.ldap_warning);
  if (!sources.ldap_request->ok()) {
    const Status& s = sources.ldap_request->status();
    // A password or CA file on a hung share: the deadline ended the run, so the -t state.
    if (s.code() == ErrorCode::kTimeout) {
      out.SetState(o.timeout_state);
      out.AddSummary(s.message());
      return out;
    }
    return unknown(s.message());
  }
  RenderMailboxAudit(*sources.audit, o, out);
  RenderStoreViews(sources, run.result, o, out);
  return out;
}

}  // namespace exdm::check
