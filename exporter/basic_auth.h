// HTTP basic authentication against bcrypt hashes (libcrypt's crypt_r verifies $2y$/$2b$).
// bcrypt costs tens of milliseconds by design; a scrape every 15 s must not pay it each time, so a
// verified (user, password) pair is remembered, as exporter-toolkit does. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace exdm::exporter {

class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users);

  bool enabled() const { return !users_.empty(); }
  // `authorization` is the Authorization header value or nullptr. True when auth is disabled or
  // the header carries a known user with the right password.
  bool Allows(const char* authorization);

  // Exposed for tests: "Basic dXNlcjpwdw==" -> {"user", "pw"}; false when malformed.
  static bool ParseHeader(std::string_view header, std::string& user, std::string& password);

 private:
  std::map<std::string, std::string> users_;  // user -> bcrypt hash
  std::mutex mutex_;
  std::set<std::string> verified_;  // user + '\0' + password that matched its hash
};

// True when `password` hashes to `hash` under crypt(3).
bool VerifyCryptHash(const std::string& password, const std::string& hash);

}  // namespace exdm::exporter
