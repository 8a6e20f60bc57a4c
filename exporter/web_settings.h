// What the HTTP server serves with, as loaded from the command line and --web.config.file:
// the telemetry path, basic auth, TLS and extra response headers. Built at start and on every
// SIGHUP (certificates and hashes re-read); the server swaps it without dropping connections.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "basic_auth.h"
#include "exdm/base/status.h"
#include "tls_context.h"

namespace exdm::exporter {

struct WebSettings {
  std::string telemetry_path = "/metrics";
  std::shared_ptr<BasicAuth> auth;                           // null or disabled: no authentication
  std::shared_ptr<const TlsContext> tls;                     // null: plain HTTP
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response
  std::string web_config_file;                               // "" when none was given

  bool auth_enabled() const { return auth && auth->enabled(); }
  // "TLS on (TLS12-TLS13, ...), basic auth on (2 users)": for the log.
  std::string Describe() const;
};

// Reads the web config (if any) and builds auth and TLS from it.
Result<WebSettings> LoadWebSettings(const std::string& web_config_file,
                                    const std::string& telemetry_path);

// Whether a reload may replace `running` by `next`. A web config file that no longer turns on
// basic auth or TLS the running settings have (an emptied file, `basic_auth_users: {}`) is
// refused: an editing accident must not open the exporter. Dropping --web.config.file altogether
// says so on purpose and is allowed.
Status CheckReload(const WebSettings& running, const WebSettings& next);

}  // namespace exdm::exporter
