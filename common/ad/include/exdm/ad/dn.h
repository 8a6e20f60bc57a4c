// Distinguished names (RFC 4514), parsed into RDNs and compared by their case-folded form, never
// as raw strings: AD spells "CN=", other servers "cn=", and escapes vary ("\2C" vs "\,").
// Values are kept unescaped (a "\0A" in the text is a newline byte in the value), so a deleted
// object's "CN=Microsoft MTA\0ADEL:<guid>" is recognisable by its value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/status.h"

namespace exdm {

struct Ava {
  std::string type;   // as written ("CN", "cn", "2.5.4.3")
  std::string value;  // unescaped bytes
};
using Rdn = std::vector<Ava>;  // usually one AVA; several for "a=1+b=2"

class Dn {
 public:
  Dn() = default;  // the empty DN (root DSE)

  // RFC 4514 text, tolerating what people type: spaces around ',' '=' '+', ';' as separator.
  static Result<Dn> Parse(std::string_view text);
  static Dn FromRdns(std::vector<Rdn> rdns);

  bool empty() const { return rdns_.empty(); }
  size_t size() const { return rdns_.size(); }
  const std::vector<Rdn>& rdns() const { return rdns_; }  // rdns()[0] is the leaf
  // Value of the leaf's first AVA ("Mailbox Store (EXCH01)"); empty for the root.
  const std::string& LeafValue() const;

  Dn Parent() const;  // the root's parent is the root
  Dn Child(std::string_view type, std::string_view value) const;
  bool IsParentOf(const Dn& child) const;    // exactly one level
  bool IsAncestorOf(const Dn& other) const;  // one or more levels

  // RFC 4514 text, values re-escaped (control bytes as "\0A"); the usual types (cn, dc, ou, o,
  // c, l, st) spelled upper case as AD does, other types as parsed.
  std::string ToString() const;
  // Case-folded canonical form: equal for DNs that name the same entry. Use for maps and sets.
  const std::string& key() const { return key_; }
  // Parent().key() without building the parent.
  std::string ParentKey() const;

  bool operator==(const Dn& o) const { return key_ == o.key_; }
  bool operator!=(const Dn& o) const { return key_ != o.key_; }
  bool operator<(const Dn& o) const { return key_ < o.key_; }

 private:
  void Rebuild();

  std::vector<Rdn> rdns_;
  // Where each RDN's folded key starts in key_ (same order as rdns_; the RDNs' keys are joined by
  // ','): offsets, not strings, since an audit holds tens of thousands of DNs.
  std::vector<uint32_t> rdn_starts_;
  std::string key_;
};

// Escapes one attribute value for a DN string (RFC 4514 section 2.4), also every control byte.
std::string EscapeDnValue(std::string_view value);

// Case folding used for DN values and other case-insensitive directory strings: ASCII, Latin-1
// and basic Cyrillic letters; internal runs of spaces collapse, leading/trailing spaces drop
// (LDAP caseIgnoreMatch's insignificant-space handling).
std::string FoldDirectoryString(std::string_view value);

}  // namespace exdm
