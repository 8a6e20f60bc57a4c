#include "exdm/ad/ldap_audit.h"

#include <chrono>
#include <future>
#include <mutex>

namespace exdm {
namespace {

// Topologies kept until the process exits (LdapAuditRequest::process_exits_after): reachable from
// here, so leak checkers do not count them, and never destroyed.
void KeepUntilExit(ExchangeTopology topology) {
  static std::mutex* const guard = new std::mutex;
  static std::vector<ExchangeTopology>* const kept = new std::vector<ExchangeTopology>;
  std::lock_guard<std::mutex> lock(*guard);
  kept->push_back(std::move(topology));
}

Result<AuditReport> AuditOne(const LdapAuditRequest& request, const std::string& uri,
                             const Deadline& deadline) {
  LdapConnectOptions options = request.connection;
  options.uri = uri;
  auto connection = LdapConnection::Open(options, deadline);
  if (!connection.ok()) return connection.status();
  auto topology = DiscoverTopology(**connection, request.discovery, deadline);
  if (!topology.ok()) return topology.status();
  AuditReport report = AuditSmtpMailboxes(*topology, request.audit);
  if (request.process_exits_after) KeepUntilExit(std::move(*topology));
  return report;
}

}  // namespace

Result<LdapAuditRequest> MakeAuditRequest(const LdapSettings& settings, std::string* warning,
                                          const Deadline& deadline) {
  LdapAuditRequest request;
  request.uris = settings.uris;
  static_cast<LdapConnectionSettings&>(request.connection) = settings;
  request.discovery.base = settings.base;
  request.discovery.recovery_group_name = settings.recovery_group_name;
  request.audit.servers = settings.servers;
  if (!settings.password_file.empty()) {
    auto password = ReadPasswordFile(settings.password_file, warning, deadline);
    if (!password.ok()) return password.status();
    request.connection.password = std::move(*password);
  } else if (!settings.password_env.empty()) {
    auto password = ReadPasswordEnv(settings.password_env);
    if (!password.ok()) return password.status();
    request.connection.password = std::move(*password);
  }
  if (!settings.ca_file.empty()) {
    const std::string option =
        settings.ca_file_option.empty() ? "CA file" : settings.ca_file_option;
    if (Status s = CheckCaFile(settings.ca_file, option, deadline); !s.ok()) return s;
  }
  if (!settings.bind_dn.empty() && settings.sasl_mech.empty() &&
      request.connection.password.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "a bind DN needs a password (password file or environment variable)");
  }
  return request;
}

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
