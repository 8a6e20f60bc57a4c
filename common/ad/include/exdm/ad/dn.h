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
  static Dn FromRdns(const std::vector<Rdn>& rdns);
  // Parse(text)->LeafValue(), the text checked as Parse checks it but no DN built: for a search
  // whose entries are known by their leaf alone (10,000 system mailboxes). Empty for the root.
  static Result<std::string> ParseLeafValue(std::string_view text);

  bool empty() const { return starts_.empty(); }
  size_t size() const { return starts_.size() / 2; }
  // The RDNs, leaf first, parsed again from the text: for the rare reader that walks them (the
  // usual types spelled upper case, as ToString does).
  std::vector<Rdn> rdns() const;
  // Value of the leaf's first AVA ("Mailbox Store (EXCH01)"); empty for the root.
  const std::string& LeafValue() const { return leaf_; }

  Dn Parent() const;  // the root's parent is the root
  Dn Child(std::string_view type, std::string_view value) const;
  bool IsParentOf(const Dn& child) const;    // exactly one level
  bool IsAncestorOf(const Dn& other) const;  // one or more levels

  // RFC 4514 text, values re-escaped (control bytes as "\0A"); the usual types (cn, dc, ou, o,
  // c, l, st) spelled upper case as AD does, other types as parsed.
  std::string ToString() const { return text_; }
  // Case-folded canonical form: equal for DNs that name the same entry. Use for maps and sets.
  const std::string& key() const { return key_; }
  // Parent().key() without building the parent: a view into this DN's key.
  std::string_view ParentKey() const;

  bool operator==(const Dn& o) const { return key_ == o.key_; }
  bool operator!=(const Dn& o) const { return key_ != o.key_; }
  bool operator<(const Dn& o) const { return key_ < o.key_; }

 private:
  friend class DnBuilder;

  // A DN is held as its two texts, not as RDN and AVA objects: an audit holds, copies and frees
  // tens of thousands of DNs, and at 10,000 stores the dozens of small strings each one was made
  // of were a fifth of the audit's time.
  std::string text_;  // ToString()
  std::string key_;   // key()
  std::string leaf_;  // LeafValue()
  // Per RDN, leaf first: where it starts in key_, then where it starts in text_ (the RDNs of
  // both are joined by ','; values escape ',', so a start is an exact boundary).
  std::vector<uint32_t> starts_;
};

// Escapes one attribute value for a DN string (RFC 4514 section 2.4), also every control byte.
std::string EscapeDnValue(std::string_view value);

// Case folding used for DN values and other case-insensitive directory strings: ASCII, Latin-1
// and basic Cyrillic letters; internal runs of spaces collapse, leading/trailing spaces drop
// (LDAP caseIgnoreMatch's insignificant-space handling).
std::string FoldDirectoryString(std::string_view value);

}  // namespace exdm
