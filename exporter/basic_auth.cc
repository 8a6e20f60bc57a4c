#include "basic_auth.h"

#include <crypt.h>

#include <cstring>
#include <memory>
#include <utility>

#include "exdm/base/base64.h"

namespace exdm::exporter {

bool VerifyCryptHash(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* result = crypt_r(password.c_str(), hash.c_str(), data.get());
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

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

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

bool BasicAuth::Allows(const char* authorization) {
  if (!enabled()) return true;
  if (authorization == nullptr) return false;
  std::string user, password;
  if (!ParseHeader(authorization, user, password)) return false;
  const auto it = users_.find(user);
  if (it == users_.end()) return false;
  std::string key = user;
  key.push_back('\0');
  key += password;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (verified_.count(key)) return true;
  }
  if (!VerifyCryptHash(password, it->second)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  if (verified_.size() > 64) verified_.clear();  // bounded: users rotate passwords rarely
  verified_.insert(std::move(key));
  return true;
}

}  // namespace exdm::exporter
