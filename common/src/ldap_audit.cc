#include "exdm/ldap_audit.h"

#include <chrono>
#include <future>

namespace exdm {
namespace {

Result<AuditReport> AuditOne(const LdapAuditRequest& request, const std::string& uri,
                             const Deadline& deadline) {
  LdapConnectOptions options = request.connection;
  options.uri = uri;
  auto connection = LdapConnection::Open(options, deadline);
  if (!connection.ok()) return connection.status();
  auto topology = DiscoverTopology(**connection, request.discovery, deadline);
  if (!topology.ok()) return topology.status();
  return AuditSmtpMailboxes(*topology, request.audit);
}

}  // namespace

AuditReport AuditOverLdap(const LdapAuditRequest& request, const Deadline& deadline) {
  const auto start = std::chrono::steady_clock::now();
  // One thread per DC: a hanging DC costs the deadline once, not once per URI.
  std::vector<std::future<Result<AuditReport>>> pending;
  for (const std::string& uri : request.uris) {
    pending.push_back(std::async(std::launch::async, [&request, uri, deadline] {
      return AuditOne(request, uri, deadline);
    }));
  }
  std::vector<AuditView> views;
  for (size_t i = 0; i < pending.size(); ++i) {
    views.push_back(AuditView{request.uris[i], pending[i].get()});
  }
  AuditReport report = CombineViews(std::move(views));
  report.audit_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace exdm
