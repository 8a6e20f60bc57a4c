// --web.config.file: the Prometheus exporter-toolkit YAML format, the part this exporter supports.
//   basic_auth_users:            # user: bcrypt hash ($2y$/$2b$/$2a$, e.g. `htpasswd -nbBC 10`)
//     prometheus: $2y$10$...
//   tls_server_config: ...       # refused: see README ("TLS")
// Unknown keys are errors, as in exporter-toolkit, so a typo never silently disables auth.
#pragma once

#include <map>
#include <string>

#include "exdm/base/status.h"

namespace exdm::exporter {

struct WebConfig {
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
};

Result<WebConfig> LoadWebConfig(const std::string& path);
Result<WebConfig> ParseWebConfig(const std::string& yaml_text);

// Why TLS is refused, shared by the error message and the docs.
extern const char kTlsUnsupportedReason[];

}  // namespace exdm::exporter
