#include "tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/ssl/context.hpp>
#include <cstring>

namespace exdm::exporter {
namespace {

Status TlsError(const std::string& what) {
  std::string detail;
  while (const unsigned long e = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    detail = buffer;  // the last one is the most specific
  }
  return Status(ErrorCode::kBadInput,
                "web config: tls_server_config: " + what + (detail.empty() ? "" : ": " + detail));
}

int OpenSslVersion(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls10:
      return TLS1_VERSION;
    case TlsVersion::kTls11:
      return TLS1_1_VERSION;
    case TlsVersion::kTls12:
      return TLS1_2_VERSION;
    case TlsVersion::kTls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

const char kGoTls13Order[] =
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384";

bool IsTls13Suite(const std::string& name) {
  return name == "TLS_AES_128_GCM_SHA256" || name == "TLS_AES_256_GCM_SHA384" ||
         name == "TLS_CHACHA20_POLY1305_SHA256" || name == "TLS_AES_128_CCM_SHA256" ||
         name == "TLS_AES_128_CCM_8_SHA256";
}

// The client-certificate policy the verify callback applies, reached from the SSL_CTX.
struct ClientPolicy {
  bool check_chain = false;               // false: any certificate will do
  std::vector<std::string> allowed_sans;  // empty: no SAN check
};

int PolicyIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// The certificate's SANs as exporter-toolkit compares them: DNS names, e-mails, IPs in their
// usual text form, URIs.
std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS || name->type == GEN_EMAIL || name->type == GEN_URI) {
      const ASN1_IA5STRING* s = name->d.ia5;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.ip;
      char text[INET6_ADDRSTRLEN] = "";
      if (ASN1_STRING_length(ip) == 4) {
        inet_ntop(AF_INET, ASN1_STRING_get0_data(ip), text, sizeof text);
      } else if (ASN1_STRING_length(ip) == 16) {
        inet_ntop(AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof text);
      }
      if (text[0] != '\0') out.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

int VerifyClient(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* policy =
      static_cast<const ClientPolicy*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), PolicyIndex()));
  if (policy == nullptr) return preverify_ok;
  if (!policy->check_chain) preverify_ok = 1;  // Request/RequireAnyClientCert: not checked
  if (!preverify_ok || policy->allowed_sans.empty()) return preverify_ok;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  for (const std::string& san : SubjectAltNames(X509_STORE_CTX_get_current_cert(store))) {
    if (std::find(policy->allowed_sans.begin(), policy->allowed_sans.end(), san) !=
        policy->allowed_sans.end()) {
      return 1;
    }
  }
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

// Prometheus (Go) offers h2 and http/1.1 by ALPN; this server speaks HTTP/1.1.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
               unsigned int in_length, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11, in, in_length) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items)
    out += (out.empty() ? "" : ":") + item;
  return out;
}

}  // namespace

std::string OpenSslCipherName(const std::string& iana_name) {
  if (IsTls13Suite(iana_name)) return iana_name;
  const char* name = OPENSSL_cipher_name(iana_name.c_str());
  if (name == nullptr || std::strcmp(name, "(NONE)") == 0) return "";
  return name;
}

TlsContext::TlsContext(const TlsServerConfig& config) : config_(config) {}

TlsContext::~TlsContext() {
  if (context_) {
    delete static_cast<ClientPolicy*>(
        SSL_CTX_get_ex_data(context_->native_handle(), PolicyIndex()));
  }
}

Result<std::shared_ptr<const TlsContext>> TlsContext::Make(const TlsServerConfig& config) {
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return TlsError("cannot create an OpenSSL context");
  std::shared_ptr<TlsContext> tls(new TlsContext(config));
  tls->context_ = std::make_unique<boost::asio::ssl::context>(raw);  // owns raw from here
  SSL_CTX* ctx = raw;

  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
               (config.prefer_server_cipher_suites ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
  // Idle keep-alive connections give their TLS buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (!SSL_CTX_set_min_proto_version(ctx, OpenSslVersion(config.min_version)) ||
      !SSL_CTX_set_max_proto_version(ctx, OpenSslVersion(config.max_version))) {
    return TlsError("min_version/max_version refused");
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1) {
    return TlsError("cannot load cert_file " + config.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return TlsError("cannot load key_file " + config.key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return TlsError("key_file " + config.key_file + " does not belong to cert_file " +
                    config.cert_file);
  }

  std::vector<std::string> tls12, tls13;
  for (const std::string& suite : config.cipher_suites) {
    const std::string name = OpenSslCipherName(suite);
    if (name.empty()) return TlsError("cipher_suites: OpenSSL does not know " + suite);
    (IsTls13Suite(suite) ? tls13 : tls12).push_back(name);
  }
  if (!tls12.empty() && SSL_CTX_set_cipher_list(ctx, Join(tls12).c_str()) != 1) {
    return TlsError("cipher_suites: none of " + Join(tls12) + " can be used");
  }
  // Without a TLS 1.3 list, Go's order (what exporter-toolkit's servers negotiate): AES-128-GCM
  // first, where OpenSSL would pick AES-256-GCM.
  const std::string tls13_suites = tls13.empty() ? std::string(kGoTls13Order) : Join(tls13);
  if (SSL_CTX_set_ciphersuites(ctx, tls13_suites.c_str()) != 1) {
    return TlsError("cipher_suites: none of " + tls13_suites + " can be used");
  }
  if (!config.curve_preferences.empty()) {
    std::vector<std::string> groups;
    for (const std::string& curve : config.curve_preferences) {
      if (curve == "CurveP256") {
        groups.push_back("P-256");
      } else if (curve == "CurveP384") {
        groups.push_back("P-384");
      } else if (curve == "CurveP521") {
        groups.push_back("P-521");
      } else if (curve == "X25519") {
        groups.push_back("X25519");
      } else {
        return TlsError("curve_preferences: " + curve +
                        " is none of CurveP256, CurveP384, CurveP521, X25519");
      }
    }
    if (SSL_CTX_set1_groups_list(ctx, Join(groups).c_str()) != 1) {
      return TlsError("curve_preferences refused");
    }
  }

  int mode = SSL_VERIFY_NONE;
  auto policy = std::make_unique<ClientPolicy>();
  policy->allowed_sans = config.client_allowed_sans;
  switch (config.client_auth) {
    case ClientAuth::kNoClientCert:
      break;
    case ClientAuth::kRequestClientCert:
      mode = SSL_VERIFY_PEER;
      break;
    case ClientAuth::kRequireAnyClientCert:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      mode = SSL_VERIFY_PEER;
      policy->check_chain = true;
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      policy->check_chain = true;
      break;
  }
  if (!config.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, config.client_ca_file.c_str(), nullptr) != 1) {
      return TlsError("cannot load client_ca_file " + config.client_ca_file);
    }
    // The CA names the server sends, so a client with several certificates picks the right one.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str());
    if (names == nullptr) {
      return TlsError("client_ca_file " + config.client_ca_file + " holds no certificate");
    }
    SSL_CTX_set_client_CA_list(ctx, names);
  }
  if (mode != SSL_VERIFY_NONE) {
    SSL_CTX_set_ex_data(ctx, PolicyIndex(), policy.release());
    SSL_CTX_set_verify(ctx, mode, VerifyClient);
    // Resumed sessions keep the verified identity; OpenSSL refuses resumption without this.
    static const unsigned char kSessionContext[] = "exchange_delivery_exporter";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  }
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  ERR_clear_error();
  return std::shared_ptr<const TlsContext>(std::move(tls));
}

std::string TlsContext::Describe() const {
  std::string text = std::string(TlsVersionName(config_.min_version)) + "-" +
                     TlsVersionName(config_.max_version) + ", certificate " + config_.cert_file;
  if (config_.client_auth != ClientAuth::kNoClientCert) {
    text += std::string(", client certificates ") + ClientAuthName(config_.client_auth);
  }
  return text;
}

}  // namespace exdm::exporter
