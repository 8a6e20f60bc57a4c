#include "web_config.h"

#include <yaml.h>

#include <memory>
#include <sstream>

#include "exdm/base/small_file.h"
#include "exporter_config.h"

namespace exdm::exporter {

const char kTlsUnsupportedReason[] =
    "tls_server_config is not supported: Debian 12's libcivetweb 1.15 loads OpenSSL 3 at run time "
    "but calls SSL_get_peer_certificate, which OpenSSL 3 no longer exports, and crashes on the "
    "first TLS connection; terminate TLS in a reverse proxy (or stunnel) in front of the exporter";

namespace {

Status Invalid(const std::string& message) {
  return Status(ErrorCode::kBadInput, "web config: " + message);
}

std::string Scalar(const yaml_node_t* node) {
  return std::string(reinterpret_cast<const char*>(node->data.scalar.value),
                     node->data.scalar.length);
}

bool IsBcrypt(const std::string& hash) {
  return hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
         (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$';
}

Status ParseUsers(yaml_document_t* doc, yaml_node_t* node, WebConfig& config) {
  if (node->type == YAML_SCALAR_NODE && node->data.scalar.length == 0) return Status::Ok();
  if (node->type != YAML_MAPPING_NODE) return Invalid("basic_auth_users must be a mapping");
  for (yaml_node_pair_t* p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
       ++p) {
    yaml_node_t* key = yaml_document_get_node(doc, p->key);
    yaml_node_t* value = yaml_document_get_node(doc, p->value);
    if (key->type != YAML_SCALAR_NODE || value->type != YAML_SCALAR_NODE) {
      return Invalid("basic_auth_users entries must be `user: bcrypt-hash`");
    }
    const std::string user = Scalar(key);
    const std::string hash = Scalar(value);
    if (user.empty() || user.find(':') != std::string::npos) {
      return Invalid("basic_auth_users: user names must be non-empty and without ':'");
    }
    if (!IsBcrypt(hash)) {
      return Invalid("basic_auth_users." + user + " is not a bcrypt hash ($2y$, $2b$ or $2a$)");
    }
    if (!config.basic_auth_users.emplace(user, hash).second) {
      return Invalid("basic_auth_users." + user + " given twice");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<WebConfig> ParseWebConfig(const std::string& yaml_text) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return Status(ErrorCode::kInternal, "yaml parser init");
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> parser_guard(&parser,
                                                                        yaml_parser_delete);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(yaml_text.data()),
                               yaml_text.size());
  yaml_document_t doc;
  if (!yaml_parser_load(&parser, &doc)) {
    std::ostringstream msg;
    msg << (parser.problem ? parser.problem : "syntax error") << " at line "
        << parser.problem_mark.line + 1;
    return Invalid(msg.str());
  }
  std::unique_ptr<yaml_document_t, void (*)(yaml_document_t*)> doc_guard(&doc,
                                                                         yaml_document_delete);
  WebConfig config;
  yaml_node_t* root = yaml_document_get_root_node(&doc);
  if (root == nullptr) return config;  // empty file: no auth, no TLS
  if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0) return config;
  if (root->type != YAML_MAPPING_NODE) return Invalid("top level must be a mapping");
  for (yaml_node_pair_t* p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
       ++p) {
    yaml_node_t* key = yaml_document_get_node(&doc, p->key);
    yaml_node_t* value = yaml_document_get_node(&doc, p->value);
    if (key->type != YAML_SCALAR_NODE) return Invalid("keys must be plain names");
    const std::string name = Scalar(key);
    if (name == "basic_auth_users") {
      if (Status s = ParseUsers(&doc, value, config); !s.ok()) return s;
    } else if (name == "tls_server_config") {
      return Invalid(kTlsUnsupportedReason);
    } else {
      return Invalid("unsupported key " + name + " (supported: basic_auth_users)");
    }
  }
  return config;
}

Result<WebConfig> LoadWebConfig(const std::string& path) {
  // Regular files only, at most a megabyte, within a bound (exdm/base/small_file.h).
  Result<std::string> text =
      ReadSmallFile(path, "web config file", 1 << 20, Deadline::After(kConfigReadTimeout));
  if (!text.ok()) return text.status();
  Result<WebConfig> parsed = ParseWebConfig(*text);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  return parsed;
}

}  // namespace exdm::exporter
