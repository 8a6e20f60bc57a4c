// The TLS side of the web config: an OpenSSL 3 server context built from tls_server_config,
// with exporter-toolkit's meaning for every key:
// - cert_file/key_file: the certificate chain and its key (checked to belong together);
// - client_auth_type: Go's five policies; the verifying ones check the client's chain against
//   client_ca_file during the handshake, so a refused client never gets an HTTP answer;
// - client_allowed_sans: one DNS name, e-mail, IP or URI SAN of the client certificate must match;
// - min_version/max_version, cipher_suites (IANA names such as
//   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; TLS 1.3 names restrict TLS 1.3, which Go cannot),
//   curve_preferences, prefer_server_cipher_suites.
// Certificates are read when the context is built: at start and on every SIGHUP.
#pragma once

#include <memory>
#include <string>

#include "exdm/base/status.h"
#include "web_config.h"

namespace boost::asio::ssl {
class context;
}

namespace exdm::exporter {

class TlsContext {
 public:
  static Result<std::shared_ptr<const TlsContext>> Make(const TlsServerConfig& config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // For asio::ssl::stream; the context is not changed after Make.
  boost::asio::ssl::context& context() const { return *context_; }
  // "TLS12-TLS13, client certificates RequireAndVerifyClientCert": for the startup log line.
  std::string Describe() const;

 private:
  explicit TlsContext(const TlsServerConfig& config);
  TlsServerConfig config_;
  std::unique_ptr<boost::asio::ssl::context> context_;
};

// OpenSSL's name for an IANA cipher suite name, or "" when OpenSSL does not know it. TLS 1.3
// suites keep their IANA names in OpenSSL.
std::string OpenSslCipherName(const std::string& iana_name);

}  // namespace exdm::exporter
