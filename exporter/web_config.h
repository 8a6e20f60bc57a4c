// --web.config.file: the Prometheus exporter-toolkit YAML format
// (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md):
//   tls_server_config:           # TLS (exporter/tls_context.h builds it with OpenSSL)
//     cert_file: server.crt      # relative paths are relative to the web config file
//     key_file: server.key
//     client_auth_type: RequireAndVerifyClientCert
//     client_ca_file: clients-ca.crt
//   http_server_config:
//     headers: {Strict-Transport-Security: max-age=31536000}
//   basic_auth_users:            # user: bcrypt hash ($2y$/$2b$/$2a$, e.g. `htpasswd -nbBC 10`)
//     prometheus: $2y$10$...
// Unknown keys are errors, as in exporter-toolkit, so a typo never silently disables auth or TLS.
// This file only reads and checks the YAML; whether OpenSSL accepts a cipher name or a
// certificate is decided when the TLS context is built.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exdm/base/status.h"

namespace exdm::exporter {

// Go's crypto/tls ClientAuthType values, as exporter-toolkit spells them.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,           // asked for, never checked
  kRequireAnyClientCert,        // required, never checked
  kVerifyClientCertIfGiven,     // checked against client_ca_file when sent
  kRequireAndVerifyClientCert,  // required and checked against client_ca_file
};
const char* ClientAuthName(ClientAuth auth);

enum class TlsVersion { kTls10, kTls11, kTls12, kTls13 };
const char* TlsVersionName(TlsVersion version);

struct TlsServerConfig {
  std::string cert_file;  // absolute or relative to the working directory after loading
  std::string key_file;
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  std::string client_ca_file;
  std::vector<std::string> client_allowed_sans;  // one must match a SAN of the client certificate
  std::vector<std::string> cipher_suites;        // IANA names (Go's), TLS 1.2 and 1.3
  std::vector<std::string> curve_preferences;    // CurveP256, CurveP384, CurveP521, X25519
  TlsVersion min_version = TlsVersion::kTls12;   // exporter-toolkit's defaults
  TlsVersion max_version = TlsVersion::kTls13;
  bool prefer_server_cipher_suites = true;
};

struct WebConfig {
  std::map<std::string, std::string> basic_auth_users;       // user -> bcrypt hash
  std::optional<TlsServerConfig> tls;                        // absent or empty: plain HTTP
  std::vector<std::pair<std::string, std::string>> headers;  // http_server_config.headers
};

// `base_dir` resolves relative certificate paths (exporter-toolkit: the web config's directory).
Result<WebConfig> ParseWebConfig(const std::string& yaml_text, const std::string& base_dir = "");
Result<WebConfig> LoadWebConfig(const std::string& path);

}  // namespace exdm::exporter
