// Active Directory objectGUIDs: the 16 stored bytes and their text forms.
// Text form {3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF} reverses bytes 0-3, 4-5 and 6-7 of the stored
// value and keeps bytes 8-15 in order (docs/DOMAIN.md "GUIDs"). Text compares case-insensitively
// and comes with or without braces; Parse accepts every spelling, the formatters pick one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace exdm {

class Guid {
 public:
  Guid() = default;  // all zero

  // Exactly 16 bytes as AD stores them (the objectGUID attribute value); nullopt otherwise.
  static std::optional<Guid> FromBytes(std::string_view bytes);
  // "3e4385bb-7c43-4feb-8ea2-97c65cc06abf", with or without braces, any case; nullopt otherwise.
  static std::optional<Guid> Parse(std::string_view text);

  // The stored byte order, 16 bytes.
  std::string Bytes() const;
  // Lower case without braces: the store_guid label form.
  std::string ToString() const;
  // "{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}": the form Exchange writes into names and event 326.
  std::string ToBracedUpper() const;
  // Byte-wise LDAP filter value (RFC 4515): "\bb\85\43\3e...", safe inside (objectGUID=...).
  std::string ToFilterValue() const;

  bool operator==(const Guid& o) const { return bytes_ == o.bytes_; }
  bool operator!=(const Guid& o) const { return bytes_ != o.bytes_; }
  bool operator<(const Guid& o) const { return bytes_ < o.bytes_; }

 private:
  std::array<uint8_t, 16> bytes_{};
};

// The last "{GUID}" in a text such as "SMTP (EXCH01-{GUID})" or ".../cn={GUID}"; nullopt when the
// text holds no well-formed braced GUID.
std::optional<Guid> FindBracedGuid(std::string_view text);

}  // namespace exdm
