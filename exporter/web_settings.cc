#include "web_settings.h"

#include "web_config.h"

namespace exdm::exporter {

std::string WebSettings::Describe() const {
  std::string text = tls ? "TLS on (" + tls->Describe() + ")" : std::string("TLS off");
  if (auth_enabled()) {
    const size_t n = auth->user_count();
    text += ", basic auth on (" + std::to_string(n) + (n == 1 ? " user)" : " users)");
  } else {
    text += ", basic auth off";
  }
  return text;
}

Result<WebSettings> LoadWebSettings(const std::string& web_config_file,
                                    const std::string& telemetry_path) {
  WebSettings settings;
  settings.telemetry_path = telemetry_path;
  settings.web_config_file = web_config_file;
  WebConfig web;
  if (!web_config_file.empty()) {
    Result<WebConfig> loaded = LoadWebConfig(web_config_file);
    if (!loaded.ok()) return loaded.status();
    web = std::move(loaded).value();
  }
  Result<std::shared_ptr<BasicAuth>> auth = BasicAuth::Make(web.basic_auth_users);
  if (!auth.ok()) return auth.status();
  settings.auth = *auth;
  if (web.tls) {
    Result<std::shared_ptr<const TlsContext>> tls = TlsContext::Make(*web.tls);
    if (!tls.ok()) return tls.status().WithContext(web_config_file);
    settings.tls = *tls;
  }
  settings.headers = std::move(web.headers);
  return settings;
}

Status CheckReload(const WebSettings& running, const WebSettings& next) {
  if (next.web_config_file.empty()) return Status::Ok();  // no web config at all: on purpose
  std::string lost;
  if (running.auth_enabled() && !next.auth_enabled()) lost = "basic auth";
  if (running.tls && !next.tls) lost += std::string(lost.empty() ? "" : " and ") + "TLS";
  if (lost.empty()) return Status::Ok();
  return Status(ErrorCode::kBadInput,
                next.web_config_file + " would turn " + lost +
                    " off (refused: to serve without them, remove --web.config.file)");
}

}  // namespace exdm::exporter
