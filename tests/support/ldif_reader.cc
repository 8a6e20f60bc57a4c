#include "ldif_reader.h"

#include <strings.h>

#include <sstream>

namespace exdm::testing {

std::string DecodeBase64(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      continue;  // '=' padding, whitespace
    }
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xffu);
    }
  }
  return out;
}

std::vector<std::string> LdifEntry::Values(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [attr, value] : attributes) {
    if (strcasecmp(attr.c_str(), name.c_str()) == 0) out.push_back(value);
  }
  return out;
}

std::string LdifEntry::Value(const std::string& name) const {
  auto values = Values(name);
  return values.empty() ? std::string() : values.front();
}

std::vector<LdifEntry> ParseLdif(const std::string& text) {
  std::vector<LdifEntry> entries;
  std::istringstream in(text);
  LdifEntry current;
  bool open = false;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (open) entries.push_back(std::move(current));
      current = LdifEntry();
      open = false;
      continue;
    }
    if (line[0] == '#') continue;
    if (line[0] == ' ' && open && !current.attributes.empty()) {  // folded continuation
      current.attributes.back().second += line.substr(1);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::string value;
    if (colon + 1 < line.size() && line[colon + 1] == ':') {
      value = DecodeBase64(line.substr(colon + 2));
    } else {
      value = line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    }
    if (strcasecmp(name.c_str(), "dn") == 0) {
      current.dn = value;
      open = true;
    } else {
      current.attributes.emplace_back(std::move(name), std::move(value));
    }
  }
  if (open) entries.push_back(std::move(current));
  return entries;
}

}  // namespace exdm::testing
