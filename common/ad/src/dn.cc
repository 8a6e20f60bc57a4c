#include "exdm/ad/dn.h"

#include <algorithm>

#include "exdm/base/text_util.h"

namespace exdm {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) {
  return c == ' ';
}

Status Bad(std::string_view text, const std::string& why) {
  return Status(ErrorCode::kInvalidArgument, "invalid DN \"" + std::string(text) + "\": " + why);
}

// Appends the UTF-8 encoding of a code point (only called for BMP letters we fold).
void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

uint32_t FoldCodePoint(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) return cp + 32;  // Latin-1 capitals
  if (cp >= 0x410 && cp <= 0x42f) return cp + 32;              // Cyrillic А..Я
  if (cp >= 0x400 && cp <= 0x40f) return cp + 80;              // Cyrillic Ѐ..Џ
  return cp;
}

// True when folding would return the value unchanged: no upper-case ASCII, no byte >= 0x80, no
// space that is leading, trailing or doubled. Most DN values of a directory are already so after
// the first fold, and the audit folds tens of thousands of them.
bool AlreadyFolded(std::string_view value) {
  if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) return false;
  char previous = 0;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (c >= 'A' && c <= 'Z') || (c == ' ' && previous == ' ')) return false;
    previous = c;
  }
  return true;
}

}  // namespace

std::string FoldDirectoryString(std::string_view value) {
  if (AlreadyFolded(value)) return std::string(value);
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == ' ') {
      pending_space = !out.empty();
      ++i;
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    // Decode two-byte sequences only to fold letters; anything else is copied. 0xC0 and 0xC1
    // start overlong encodings of ASCII: decoding them would fold "\xC1\x81" to "a" and
    // "\xC0\xA0" to a space that escapes the space collapsing (found by tests/fuzz/dn_fuzz.cc).
    if (c >= 0xc2 && c < 0xe0 && i + 1 < value.size() &&
        (static_cast<unsigned char>(value[i + 1]) & 0xc0) == 0x80) {
      const uint32_t cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(value[i + 1]) & 0x3fu);
      AppendUtf8(out, FoldCodePoint(cp));
      i += 2;
      continue;
    }
    out += static_cast<char>(c < 0x80 ? static_cast<unsigned char>(AsciiLower(value[i])) : c);
    ++i;
  }
  return out;
}

namespace {

bool NeedsEscape(unsigned char c) {
  return c < 0x20 || c == 0x7f || c == '"' || c == '+' || c == ',' || c == ';' || c == '<' ||
         c == '>' || c == '\\' || c == '=';
}

// EscapeDnValue appended to `out`: DN rendering and keys build one string, not one per value.
void AppendEscapedDnValue(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const bool plain =
      value.empty() || (value.front() != ' ' && value.front() != '#' && value.back() != ' ' &&
                        std::none_of(value.begin(), value.end(), [](char c) {
                          return NeedsEscape(static_cast<unsigned char>(c));
                        }));
  if (plain) {
    out.append(value);
    return;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool edge_space = c == ' ' && (i == 0 || i + 1 == value.size());
    const bool leading_hash = c == '#' && i == 0;
    if (c < 0x20 || c == 0x7f) {
      out += '\\';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    } else if (c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\' ||
               c == '=' || edge_space || leading_hash) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
}

// The usual attribute types AD spells upper case ("CN=", "DC="); slapd hands them back lower.
bool IsUsualType(std::string_view type) {
  for (const char* usual : {"cn", "dc", "ou", "o", "c", "l", "st"}) {
    if (EqualsIgnoreCase(type, usual)) return true;
  }
  return false;
}

void AppendLowerAscii(std::string& out, std::string_view s) {
  for (const char c : s)
    out += AsciiLower(c);
}

}  // namespace

std::string EscapeDnValue(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  AppendEscapedDnValue(out, value);
  return out;
}

Result<Dn> Dn::Parse(std::string_view text) {
  std::vector<Rdn> rdns;
  size_t i = 0;
  const size_t n = text.size();
  auto skip_spaces = [&] {
    while (i < n && IsSpace(text[i]))
      ++i;
  };
  skip_spaces();
  if (i == n) return Dn();
  Rdn rdn;
  while (true) {
    // attributeType
    skip_spaces();
    const size_t type_start = i;
    while (i < n && text[i] != '=' && text[i] != ',' && text[i] != '+' && text[i] != ';' &&
           !IsSpace(text[i])) {
      const char c = text[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.';
      if (!ok) return Bad(text, "bad character in attribute type");
      ++i;
    }
    if (i == type_start) return Bad(text, "missing attribute type");
    Ava ava;
    ava.type.assign(text.substr(type_start, i - type_start));
    skip_spaces();
    if (i >= n || text[i] != '=') return Bad(text, "missing '=' after " + ava.type);
    ++i;
    skip_spaces();
    // attributeValue
    if (i < n && text[i] == '#') {
      // hexstring: a BER-encoded string value; decode the common short forms to its content.
      std::string ber;
      ++i;
      while (i + 1 < n && HexValue(text[i]) >= 0 && HexValue(text[i + 1]) >= 0) {
        ber += static_cast<char>(HexValue(text[i]) * 16 + HexValue(text[i + 1]));
        i += 2;
      }
      if (ber.size() < 2) return Bad(text, "bad #hexstring");
      size_t len = static_cast<unsigned char>(ber[1]);
      size_t header = 2;
      if (len == 0x81 && ber.size() >= 3) {
        len = static_cast<unsigned char>(ber[2]);
        header = 3;
      } else if (len >= 0x80) {
        return Bad(text, "unsupported #hexstring length");
      }
      if (header + len != ber.size()) return Bad(text, "bad #hexstring length");
      ava.value = ber.substr(header);
      skip_spaces();
    } else {
      size_t significant = 0;  // length of value without trailing unescaped spaces
      while (i < n && text[i] != ',' && text[i] != '+' && text[i] != ';') {
        const char c = text[i];
        if (c == '\\') {
          if (i + 1 >= n) return Bad(text, "dangling '\\'");
          const int hi = HexValue(text[i + 1]);
          if (hi >= 0) {
            const int lo = i + 2 < n ? HexValue(text[i + 2]) : -1;
            if (lo < 0) return Bad(text, "bad hex escape");
            ava.value += static_cast<char>(hi * 16 + lo);
            i += 3;
          } else {
            const char e = text[i + 1];
            if (std::string_view("\"+,;<>\\ #=").find(e) == std::string_view::npos) {
              return Bad(text, "'\\' before an ordinary character");
            }
            ava.value += e;
            i += 2;
          }
          significant = ava.value.size();
          continue;
        }
        if (c == '"') return Bad(text, "unescaped '\"'");
        ava.value += c;
        if (!IsSpace(c)) significant = ava.value.size();
        ++i;
      }
      ava.value.resize(significant);
    }
    rdn.push_back(std::move(ava));
    if (i >= n) break;
    if (text[i] == '+') {
      ++i;
      continue;
    }
    // ',' or ';'
    ++i;
    rdns.push_back(std::move(rdn));
    rdn.clear();
    skip_spaces();
    if (i >= n) return Bad(text, "empty RDN at the end");
  }
  rdns.push_back(std::move(rdn));
  return FromRdns(std::move(rdns));
}

Dn Dn::FromRdns(std::vector<Rdn> rdns) {
  Dn dn;
  dn.rdns_ = std::move(rdns);
  dn.Rebuild();
  return dn;
}

namespace {

std::string AvaKey(const Ava& ava) {
  std::string k;
  k.reserve(ava.type.size() + 1 + ava.value.size());
  AppendLowerAscii(k, ava.type);
  k += '=';
  AppendEscapedDnValue(k, FoldDirectoryString(ava.value));
  return k;
}

std::string RdnKey(const Rdn& rdn) {
  if (rdn.size() == 1) return AvaKey(rdn.front());  // nearly every RDN: nothing to sort
  std::vector<std::string> parts;
  parts.reserve(rdn.size());
  for (const Ava& ava : rdn) {
    parts.push_back(AvaKey(ava));
  }
  std::sort(parts.begin(), parts.end());
  std::string k;
  for (size_t j = 0; j < parts.size(); ++j) {
    if (j) k += '+';
    k += parts[j];
  }
  return k;
}

}  // namespace

void Dn::Rebuild() {
  rdn_starts_.clear();
  key_.clear();
  for (const Rdn& rdn : rdns_) {
    if (!rdn_starts_.empty()) key_ += ',';
    rdn_starts_.push_back(static_cast<uint32_t>(key_.size()));
    key_ += RdnKey(rdn);
  }
}

const std::string& Dn::LeafValue() const {
  static const std::string kEmpty;
  if (rdns_.empty() || rdns_[0].empty()) return kEmpty;
  return rdns_[0][0].value;
}

Dn Dn::Parent() const {
  if (rdns_.size() < 2) return Dn();
  Dn p;
  p.rdns_.assign(rdns_.begin() + 1, rdns_.end());
  const uint32_t cut = rdn_starts_[1];
  p.key_ = key_.substr(cut);
  p.rdn_starts_.reserve(rdn_starts_.size() - 1);
  for (size_t i = 1; i < rdn_starts_.size(); ++i)
    p.rdn_starts_.push_back(rdn_starts_[i] - cut);
  return p;
}

Dn Dn::Child(std::string_view type, std::string_view value) const {
  // Only the new RDN is folded; the parent's key is reused.
  Dn c;
  c.rdns_.reserve(rdns_.size() + 1);
  c.rdns_.push_back(Rdn{Ava{std::string(type), std::string(value)}});
  c.rdns_.insert(c.rdns_.end(), rdns_.begin(), rdns_.end());
  c.key_ = RdnKey(c.rdns_.front());
  c.rdn_starts_.reserve(rdn_starts_.size() + 1);
  c.rdn_starts_.push_back(0);
  if (!key_.empty()) {
    c.key_ += ',';
    const auto shift = static_cast<uint32_t>(c.key_.size());
    c.key_ += key_;
    for (const uint32_t start : rdn_starts_)
      c.rdn_starts_.push_back(start + shift);
  }
  return c;
}

bool Dn::IsAncestorOf(const Dn& other) const {
  if (other.size() <= size()) return false;
  if (empty()) return true;  // the root is everyone's ancestor
  // Keys escape ',' inside values, so the RDN boundary in `other` where this DN would start is
  // exact; compare from there to the end.
  const uint32_t start = other.rdn_starts_[other.size() - size()];
  return other.key_.size() - start == key_.size() &&
         other.key_.compare(start, key_.size(), key_) == 0;
}

bool Dn::IsParentOf(const Dn& child) const {
  return child.size() == size() + 1 && IsAncestorOf(child);
}

std::string Dn::ToString() const {
  std::string out;
  out.reserve(key_.size() + 8);  // the key is the same text folded: about the same length
  for (size_t r = 0; r < rdns_.size(); ++r) {
    if (r) out += ',';
    for (size_t a = 0; a < rdns_[r].size(); ++a) {
      if (a) out += '+';
      const std::string& type = rdns_[r][a].type;
      if (IsUsualType(type)) {
        for (const char c : type)
          out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
      } else {
        out += type;
      }
      out += '=';
      AppendEscapedDnValue(out, rdns_[r][a].value);
    }
  }
  return out;
}

std::string Dn::ParentKey() const {
  return rdn_starts_.size() < 2 ? std::string() : key_.substr(rdn_starts_[1]);
}

}  // namespace exdm
