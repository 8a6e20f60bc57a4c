// HTTP basic authentication against bcrypt hashes (libcrypt's crypt_r verifies $2y$/$2b$/$2a$), as
// exporter-toolkit does it:
// - an unknown user costs one bcrypt comparison too (against a dummy hash of the configured cost),
//   so response times do not tell valid user names apart;
// - bcrypt costs tens of milliseconds by design, so comparisons run one at a time (a burst of bad
//   passwords cannot take every core), and a verified (user, hash, password) is remembered: a
//   scrape every 15 s does not pay bcrypt each time. Only successes are remembered (failures
//   cannot push them out), under a SHA-256 of the length-prefixed triple, never the password.
// Thread-safe. The HTTP server asks Cached() on its event loop and runs Verify() on its bcrypt
// thread, so a slow comparison never holds up another connection.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "exdm/base/status.h"

namespace exdm::exporter {

class BasicAuth {
 public:
  // Makes the dummy hash (one bcrypt run at the highest cost among `users`).
  static Result<std::shared_ptr<BasicAuth>> Make(std::map<std::string, std::string> users);

  bool enabled() const { return !users_.empty(); }
  size_t user_count() const { return users_.size(); }

  // Without bcrypt: true when auth is off or the credentials were verified before; false when
  // the header is missing or malformed; nullopt when only Verify() can tell.
  std::optional<bool> Cached(const char* authorization) const;
  // The full check: runs one bcrypt comparison unless Cached() knows the answer.
  bool Verify(const char* authorization);
  bool Allows(const char* authorization) {
    const std::optional<bool> cached = Cached(authorization);
    return cached ? *cached : Verify(authorization);
  }

  // bcrypt comparisons run so far (tests count them: one per unknown user too).
  uint64_t bcrypt_runs() const { return bcrypt_runs_.load(); }

  // Exposed for tests: "Basic dXNlcjpwdw==" -> {"user", "pw"}; false when malformed.
  static bool ParseHeader(std::string_view header, std::string& user, std::string& password);

 private:
  using Key = std::array<unsigned char, 32>;
  BasicAuth(std::map<std::string, std::string> users, std::string dummy_hash);
  Key CacheKey(const std::string& user, const std::string& hash, const std::string& password) const;

  const std::map<std::string, std::string> users_;  // user -> bcrypt hash
  const std::string dummy_hash_;                    // compared against for unknown users
  std::atomic<uint64_t> bcrypt_runs_{0};
  mutable std::mutex cache_mutex_;
  std::set<Key> verified_;
};

// True when `password` hashes to `hash` under crypt(3). Runs one comparison at a time per
// process (the serialization above); safe from any thread.
bool VerifyCryptHash(const std::string& password, const std::string& hash);

// The most bcrypt comparisons VerifyCryptHash ever ran at once in this process (1: serialized).
int BcryptPeakConcurrency();

// A bcrypt hash of a random password at `cost` (4..31), made with libcrypt.
Result<std::string> RandomBcryptHash(int cost);

}  // namespace exdm::exporter
