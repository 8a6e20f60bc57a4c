#include "basic_auth.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "exdm/base/base64.h"

namespace exdm::exporter {
namespace {

// One bcrypt comparison at a time in the whole process (exporter-toolkit's bcryptMtx).
std::mutex bcrypt_mutex;
// How many ran at once at most: the serialization above, made observable for tests.
std::atomic<int> bcrypt_running{0};
std::atomic<int> bcrypt_peak{0};

// "$2y$10$..." -> 10; 0 when the cost field is not two digits.
int BcryptCost(const std::string& hash) {
  if (hash.size() < 7 || hash[6] != '$') return 0;
  if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return 0;
  return (hash[4] - '0') * 10 + (hash[5] - '0');
}

bool RandomBytes(unsigned char* out, size_t n) {
  while (n > 0) {
    const ssize_t got = getrandom(out, n, 0);
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

// The cache's HMAC key: random per process, so a cached digest means nothing outside it.
const std::array<unsigned char, 32>& CacheSecret() {
  static const std::array<unsigned char, 32> secret = [] {
    std::array<unsigned char, 32> s{};
    RandomBytes(s.data(), s.size());
    return s;
  }();
  return secret;
}

void AppendField(std::vector<unsigned char>& out, const std::string& field) {
  const uint64_t n = field.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<unsigned char>(n >> (8 * i)));
  out.insert(out.end(), field.begin(), field.end());
}

// crypt_r under the process-wide lock.
const char* SerializedCrypt(const std::string& password, const char* setting, crypt_data* data) {
  std::lock_guard<std::mutex> lock(bcrypt_mutex);
  const int running = ++bcrypt_running;
  int peak = bcrypt_peak.load();
  while (running > peak && !bcrypt_peak.compare_exchange_weak(peak, running)) {
  }
  const char* result = crypt_r(password.c_str(), setting, data);
  --bcrypt_running;
  return result;
}

}  // namespace

bool VerifyCryptHash(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* result = SerializedCrypt(password, hash.c_str(), data.get());
  if (result == nullptr || result[0] == '*') return false;  // libcrypt's failure tokens
  const size_t n = std::strlen(result);
  if (n != hash.size()) return false;
  unsigned char diff = 0;  // constant time over the hash length
  for (size_t i = 0; i < n; ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(result[i]) ^ static_cast<unsigned char>(hash[i])));
  }
  return diff == 0;
}

int BcryptPeakConcurrency() {
  return bcrypt_peak.load();
}

Result<std::string> RandomBcryptHash(int cost) {
  unsigned char password_bytes[18];
  if (!RandomBytes(password_bytes, sizeof password_bytes)) {
    return Status(ErrorCode::kInternal, "getrandom failed");
  }
  std::string password;
  for (unsigned char b : password_bytes)
    password.push_back(static_cast<char>('a' + b % 26));
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                       sizeof setting) == nullptr) {
    return Status(ErrorCode::kInternal,
                  "crypt_gensalt_rn refused bcrypt cost " + std::to_string(cost));
  }
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* hash = SerializedCrypt(password, setting, data.get());
  if (hash == nullptr || hash[0] == '*') {
    return Status(ErrorCode::kInternal, "crypt_r could not make a bcrypt hash");
  }
  return std::string(hash);
}

Result<std::shared_ptr<BasicAuth>> BasicAuth::Make(std::map<std::string, std::string> users) {
  std::string dummy;
  if (!users.empty()) {
    int cost = 4;
    for (const auto& [user, hash] : users)
      cost = std::max(cost, BcryptCost(hash));
    Result<std::string> made = RandomBcryptHash(cost);
    if (!made.ok()) return made.status();
    dummy = *made;
  }
  return std::shared_ptr<BasicAuth>(new BasicAuth(std::move(users), std::move(dummy)));
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users, std::string dummy_hash)
    : users_(std::move(users)), dummy_hash_(std::move(dummy_hash)) {}

bool BasicAuth::ParseHeader(std::string_view header, std::string& user, std::string& password) {
  constexpr std::string_view kScheme = "basic ";
  if (header.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {  // the scheme is case-insensitive (RFC 7617)
    const char c = header[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kScheme[i]) return false;
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  std::string decoded;
  if (!Base64Decode(token, decoded)) return false;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  return true;
}

BasicAuth::Key BasicAuth::CacheKey(const std::string& user, const std::string& hash,
                                   const std::string& password) const {
  std::vector<unsigned char> message;
  AppendField(message, user);
  AppendField(message, hash);
  AppendField(message, password);
  Key key{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), CacheSecret().data(), static_cast<int>(CacheSecret().size()), message.data(),
       message.size(), key.data(), &length);
  std::fill(message.begin(), message.end(), 0);
  return key;
}

std::optional<bool> BasicAuth::Cached(const char* authorization) const {
  if (!enabled()) return true;
  if (authorization == nullptr) return false;
  std::string user, password;
  if (!ParseHeader(authorization, user, password)) return false;
  const auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;  // the dummy comparison still has to run
  const Key key = CacheKey(user, it->second, password);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (verified_.count(key)) return true;
  return std::nullopt;
}

bool BasicAuth::Verify(const char* authorization) {
  if (!enabled()) return true;
  if (authorization == nullptr) return false;
  std::string user, password;
  if (!ParseHeader(authorization, user, password)) return false;
  const auto it = users_.find(user);
  const bool known = it != users_.end();
  const std::string& hash = known ? it->second : dummy_hash_;
  const Key key = CacheKey(user, hash, password);
  if (known) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (verified_.count(key)) return true;
  }
  ++bcrypt_runs_;
  const bool matches = VerifyCryptHash(password, hash);
  if (!known || !matches) return false;
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (verified_.size() >= 64) verified_.clear();  // only successes get here: users x passwords
  verified_.insert(key);
  return true;
}

}  // namespace exdm::exporter
