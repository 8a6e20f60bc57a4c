// LDIF is read by libldap's own reader (ldif_read_record, ldif_getline, ldif_parse_line2), the
// one ldapadd and slapadd use: folded lines, base64 values and comments as OpenLDAP reads them.
#include "ldif_reader.h"

#include <lber.h>  // ldif.h needs its types first
#include <ldif.h>
#include <strings.h>

#include <cstring>

namespace exdm::testing {

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

namespace {

// One record as ldif_read_record returns it: lines unfolded by ldif_getline, each split and
// decoded by ldif_parse_line2. Lines before "dn:" (a "version: 1" header) are not attributes.
bool ParseRecord(char* record, LdifEntry& entry) {
  bool open = false;
  for (char* next = record; char* line = ldif_getline(&next);) {
    if (line[0] == '#') continue;
    // "attr:< URL" would have libldap open the URL: tests read values, never files through them.
    if (const char* colon = std::strchr(line, ':'); colon != nullptr && colon[1] == '<') continue;
    struct berval type = {0, nullptr};
    struct berval value = {0, nullptr};
    int free_value = 0;
    if (ldif_parse_line2(line, &type, &value, &free_value) != 0) continue;
    const std::string name(type.bv_val, type.bv_len);
    std::string text = value.bv_val ? std::string(value.bv_val, value.bv_len) : std::string();
    if (free_value) ber_memfree(value.bv_val);
    if (strcasecmp(name.c_str(), "dn") == 0) {
      entry.dn = std::move(text);
      open = true;
    } else if (open) {
      entry.attributes.emplace_back(name, std::move(text));
    }
  }
  return open;
}

}  // namespace

std::vector<LdifEntry> ParseLdif(const std::string& text) {
  std::vector<LdifEntry> entries;
  std::string copy = text;  // ldif_open_mem reads from a buffer of ours
  LDIFFP* fp = ldif_open_mem(copy.data(), copy.size(), "r");
  if (fp == nullptr) return entries;
  unsigned long line_number = 0;
  char* buffer = nullptr;
  int buffer_size = 0;
  while (ldif_read_record(fp, &line_number, &buffer, &buffer_size) > 0) {
    LdifEntry entry;
    if (ParseRecord(buffer, entry)) entries.push_back(std::move(entry));
  }
  ber_memfree(buffer);
  ldif_close(fp);
  return entries;
}

}  // namespace exdm::testing
