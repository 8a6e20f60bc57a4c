#include "web_config.h"

#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <sstream>

#include "exdm/base/small_file.h"
#include "exporter_config.h"

namespace exdm::exporter {
namespace {

Status Invalid(const std::string& message) {
  return Status(ErrorCode::kBadInput, "web config: " + message);
}

// One loaded YAML document and the helpers that read its nodes.
class Document {
 public:
  explicit Document(yaml_document_t* doc) : doc_(doc) {}

  yaml_node_t* Node(int index) const { return yaml_document_get_node(doc_, index); }

  static bool IsEmpty(const yaml_node_t* node) {
    return node->type == YAML_SCALAR_NODE && node->data.scalar.length == 0;
  }
  static std::string Scalar(const yaml_node_t* node) {
    return std::string(reinterpret_cast<const char*>(node->data.scalar.value),
                       node->data.scalar.length);
  }

  Result<std::string> String(const yaml_node_t* node, const std::string& key) const {
    if (node->type != YAML_SCALAR_NODE) return Invalid(key + " must be a string");
    return Scalar(node);
  }

  Result<bool> Bool(const yaml_node_t* node, const std::string& key) const {
    if (node->type == YAML_SCALAR_NODE) {
      std::string value = Scalar(node);
      std::transform(value.begin(), value.end(), value.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (value == "true" || value == "yes" || value == "on") return true;
      if (value == "false" || value == "no" || value == "off") return false;
    }
    return Invalid(key + " must be true or false");
  }

  Result<std::vector<std::string>> Strings(const yaml_node_t* node, const std::string& key) const {
    std::vector<std::string> out;
    if (IsEmpty(node)) return out;
    if (node->type != YAML_SEQUENCE_NODE) return Invalid(key + " must be a list");
    for (yaml_node_item_t* item = node->data.sequence.items.start;
         item < node->data.sequence.items.top; ++item) {
      const yaml_node_t* element = Node(*item);
      if (element->type != YAML_SCALAR_NODE) return Invalid(key + " must be a list of strings");
      out.push_back(Scalar(element));
    }
    return out;
  }

  // Calls visit(key, value) for each entry of a mapping (an empty value is an empty mapping).
  template <typename Visit>
  Status Mapping(const yaml_node_t* node, const std::string& key, Visit visit) const {
    if (IsEmpty(node)) return Status::Ok();
    if (node->type != YAML_MAPPING_NODE) return Invalid(key + " must be a mapping");
    for (yaml_node_pair_t* p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         ++p) {
      const yaml_node_t* name = Node(p->key);
      if (name->type != YAML_SCALAR_NODE) return Invalid(key + ": keys must be plain names");
      if (Status s = visit(Scalar(name), Node(p->value)); !s.ok()) return s;
    }
    return Status::Ok();
  }

 private:
  yaml_document_t* doc_;
};

bool IsBcrypt(const std::string& hash) {
  return hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
         (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$';
}

std::string Resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

Result<ClientAuth> ParseClientAuth(const std::string& name) {
  if (name.empty() || name == "NoClientCert") return ClientAuth::kNoClientCert;
  if (name == "RequestClientCert") return ClientAuth::kRequestClientCert;
  // "RequireClientCert": exporter-toolkit's older spelling, still accepted there.
  if (name == "RequireAnyClientCert" || name == "RequireClientCert") {
    return ClientAuth::kRequireAnyClientCert;
  }
  if (name == "VerifyClientCertIfGiven") return ClientAuth::kVerifyClientCertIfGiven;
  if (name == "RequireAndVerifyClientCert") return ClientAuth::kRequireAndVerifyClientCert;
  return Invalid("tls_server_config.client_auth_type " + name +
                 " is none of NoClientCert, RequestClientCert, RequireAnyClientCert, "
                 "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
}

Result<TlsVersion> ParseTlsVersion(const std::string& name, const std::string& key) {
  if (name == "TLS10") return TlsVersion::kTls10;
  if (name == "TLS11") return TlsVersion::kTls11;
  if (name == "TLS12") return TlsVersion::kTls12;
  if (name == "TLS13") return TlsVersion::kTls13;
  return Invalid("tls_server_config." + key + " " + name +
                 " is none of TLS10, TLS11, TLS12, TLS13");
}

Status ParseTls(const Document& doc, const yaml_node_t* node, const std::string& base_dir,
                WebConfig& config) {
  TlsServerConfig tls;
  bool any = false;  // exporter-toolkit: a section naming no certificate, CA or policy is no TLS
  Status s = doc.Mapping(
      node, "tls_server_config", [&](const std::string& key, const yaml_node_t* value) -> Status {
        const std::string where = "tls_server_config." + key;
        auto text = [&](std::string& out) -> Status {
          Result<std::string> v = doc.String(value, where);
          if (!v.ok()) return v.status();
          out = *v;
          return Status::Ok();
        };
        auto list = [&](std::vector<std::string>& out) -> Status {
          Result<std::vector<std::string>> v = doc.Strings(value, where);
          if (!v.ok()) return v.status();
          out = *v;
          return Status::Ok();
        };
        std::string scratch;
        if (key == "cert_file" || key == "key_file" || key == "client_ca_file") {
          if (Status t = text(scratch); !t.ok()) return t;
          std::string& field = key == "cert_file"  ? tls.cert_file
                               : key == "key_file" ? tls.key_file
                                                   : tls.client_ca_file;
          field = Resolve(scratch, base_dir);
          any = any || !scratch.empty();
          return Status::Ok();
        }
        if (key == "client_auth_type") {
          if (Status t = text(scratch); !t.ok()) return t;
          Result<ClientAuth> auth = ParseClientAuth(scratch);
          if (!auth.ok()) return auth.status();
          tls.client_auth = *auth;
          any = any || !scratch.empty();
          return Status::Ok();
        }
        if (key == "min_version" || key == "max_version") {
          if (Status t = text(scratch); !t.ok()) return t;
          Result<TlsVersion> version = ParseTlsVersion(scratch, key);
          if (!version.ok()) return version.status();
          (key == "min_version" ? tls.min_version : tls.max_version) = *version;
          return Status::Ok();
        }
        if (key == "cipher_suites") return list(tls.cipher_suites);
        if (key == "curve_preferences") return list(tls.curve_preferences);
        if (key == "client_allowed_sans") return list(tls.client_allowed_sans);
        if (key == "prefer_server_cipher_suites") {
          Result<bool> v = doc.Bool(value, where);
          if (!v.ok()) return v.status();
          tls.prefer_server_cipher_suites = *v;
          return Status::Ok();
        }
        if (key == "cert" || key == "key" || key == "client_ca") {
          return Invalid(where + " (inline PEM) is not supported; give " + key + "_file");
        }
        return Invalid("unsupported key " + where +
                       " (supported: cert_file, key_file, client_auth_type, client_ca_file, "
                       "client_allowed_sans, cipher_suites, curve_preferences, min_version, "
                       "max_version, prefer_server_cipher_suites)");
      });
  if (!s.ok()) return s;
  if (!any) return Status::Ok();
  if (tls.cert_file.empty()) return Invalid("tls_server_config: cert_file is missing");
  if (tls.key_file.empty()) return Invalid("tls_server_config: key_file is missing");
  if (tls.min_version > tls.max_version) {
    return Invalid("tls_server_config: min_version is above max_version");
  }
  if (!tls.client_ca_file.empty() && tls.client_auth == ClientAuth::kNoClientCert) {
    return Invalid(
        "tls_server_config: client_ca_file is set but client_auth_type is "
        "NoClientCert (say which client certificates to require)");
  }
  const bool verifies = tls.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                        tls.client_auth == ClientAuth::kRequireAndVerifyClientCert;
  if (verifies && tls.client_ca_file.empty()) {
    return Invalid(std::string("tls_server_config: client_auth_type ") +
                   ClientAuthName(tls.client_auth) + " needs client_ca_file");
  }
  if (!tls.client_allowed_sans.empty() && tls.client_auth != ClientAuth::kRequireAnyClientCert &&
      tls.client_auth != ClientAuth::kRequireAndVerifyClientCert) {
    return Invalid(
        "tls_server_config: client_allowed_sans needs client_auth_type "
        "RequireAnyClientCert or RequireAndVerifyClientCert");
  }
  config.tls = std::move(tls);
  return Status::Ok();
}

// exporter-toolkit's list: these headers only, and the enumerated ones only with these values.
Status CheckHeader(const std::string& name, const std::string& value) {
  static const std::map<std::string, std::vector<std::string>> kAllowed = {
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  const auto it = kAllowed.find(name);
  if (it == kAllowed.end()) {
    return Invalid("http_server_config.headers: " + name +
                   " cannot be configured (allowed: Content-Security-Policy, "
                   "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
                   "X-XSS-Protection)");
  }
  if (!it->second.empty() &&
      std::find(it->second.begin(), it->second.end(), value) == it->second.end()) {
    std::string expected;
    for (const std::string& v : it->second)
      expected += (expected.empty() ? "" : ", ") + v;
    return Invalid("http_server_config.headers." + name + ": " + value +
                   " is none of: " + expected);
  }
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Invalid("http_server_config.headers." + name + " holds a control character");
    }
  }
  return Status::Ok();
}

Status ParseHttp(const Document& doc, const yaml_node_t* node, WebConfig& config) {
  return doc.Mapping(
      node, "http_server_config", [&](const std::string& key, const yaml_node_t* value) -> Status {
        if (key == "http2") {
          // Accepted for files written for other exporters: this one speaks HTTP/1.1 either way.
          return doc.Bool(value, "http_server_config.http2").status();
        }
        if (key != "headers") {
          return Invalid("unsupported key http_server_config." + key +
                         " (supported: headers, http2)");
        }
        return doc.Mapping(value, "http_server_config.headers",
                           [&](const std::string& name, const yaml_node_t* v) -> Status {
                             Result<std::string> text =
                                 doc.String(v, "http_server_config.headers." + name);
                             if (!text.ok()) return text.status();
                             if (Status s = CheckHeader(name, *text); !s.ok()) return s;
                             config.headers.emplace_back(name, *text);
                             return Status::Ok();
                           });
      });
}

Status ParseUsers(const Document& doc, const yaml_node_t* node, WebConfig& config) {
  return doc.Mapping(
      node, "basic_auth_users", [&](const std::string& user, const yaml_node_t* value) -> Status {
        if (value->type != YAML_SCALAR_NODE) {
          return Invalid("basic_auth_users entries must be `user: bcrypt-hash`");
        }
        const std::string hash = Document::Scalar(value);
        if (user.empty() || user.find(':') != std::string::npos) {
          return Invalid("basic_auth_users: user names must be non-empty and without ':'");
        }
        if (!IsBcrypt(hash)) {
          return Invalid("basic_auth_users." + user + " is not a bcrypt hash ($2y$, $2b$ or $2a$)");
        }
        if (!config.basic_auth_users.emplace(user, hash).second) {
          return Invalid("basic_auth_users." + user + " given twice");
        }
        return Status::Ok();
      });
}

}  // namespace

const char* ClientAuthName(ClientAuth auth) {
  switch (auth) {
    case ClientAuth::kNoClientCert:
      return "NoClientCert";
    case ClientAuth::kRequestClientCert:
      return "RequestClientCert";
    case ClientAuth::kRequireAnyClientCert:
      return "RequireAnyClientCert";
    case ClientAuth::kVerifyClientCertIfGiven:
      return "VerifyClientCertIfGiven";
    case ClientAuth::kRequireAndVerifyClientCert:
      return "RequireAndVerifyClientCert";
  }
  return "?";
}

const char* TlsVersionName(TlsVersion version) {
  switch (version) {
    case TlsVersion::kTls10:
      return "TLS10";
    case TlsVersion::kTls11:
      return "TLS11";
    case TlsVersion::kTls12:
      return "TLS12";
    case TlsVersion::kTls13:
      return "TLS13";
  }
  return "?";
}

Result<WebConfig> ParseWebConfig(const std::string& yaml_text, const std::string& base_dir) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return Status(ErrorCode::kInternal, "yaml parser init");
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> parser_guard(&parser,
                                                                        yaml_parser_delete);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(yaml_text.data()),
                               yaml_text.size());
  yaml_document_t yaml;
  if (!yaml_parser_load(&parser, &yaml)) {
    std::ostringstream msg;
    msg << (parser.problem ? parser.problem : "syntax error") << " at line "
        << parser.problem_mark.line + 1;
    return Invalid(msg.str());
  }
  std::unique_ptr<yaml_document_t, void (*)(yaml_document_t*)> doc_guard(&yaml,
                                                                         yaml_document_delete);
  const Document doc(&yaml);
  WebConfig config;
  yaml_node_t* root = yaml_document_get_root_node(&yaml);
  if (root == nullptr || Document::IsEmpty(root)) return config;  // empty file: no auth, no TLS
  if (root->type != YAML_MAPPING_NODE) return Invalid("top level must be a mapping");
  std::vector<std::string> seen;
  Status s = doc.Mapping(root, "top level", [&](const std::string& key, const yaml_node_t* value) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return Invalid(key + " given twice");
    }
    seen.push_back(key);
    if (key == "basic_auth_users") return ParseUsers(doc, value, config);
    if (key == "tls_server_config") return ParseTls(doc, value, base_dir, config);
    if (key == "http_server_config") return ParseHttp(doc, value, config);
    return Invalid("unsupported key " + key +
                   " (supported: tls_server_config, http_server_config, basic_auth_users)");
  });
  if (!s.ok()) return s;
  return config;
}

Result<WebConfig> LoadWebConfig(const std::string& path) {
  // Regular files only, at most a megabyte, within a bound (exdm/base/small_file.h).
  Result<std::string> text =
      ReadSmallFile(path, "web config file", 1 << 20, Deadline::After(kConfigReadTimeout));
  if (!text.ok()) return text.status();
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  Result<WebConfig> parsed = ParseWebConfig(*text, dir);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  return parsed;
}

}  // namespace exdm::exporter
