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

}  // namespace

std::string FoldDirectoryString(std::string_view value) {
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

std::string EscapeDnValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() + 8);
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

std::string RdnKey(const Rdn& rdn) {
  std::vector<std::string> parts;
  parts.reserve(rdn.size());
  for (const Ava& ava : rdn) {
    parts.push_back(ToLowerAscii(ava.type) + "=" + EscapeDnValue(FoldDirectoryString(ava.value)));
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
  rdn_keys_.clear();
  key_.clear();
  for (const Rdn& rdn : rdns_) {
    std::string k = RdnKey(rdn);
    if (!rdn_keys_.empty()) key_ += ',';
    key_ += k;
    rdn_keys_.push_back(std::move(k));
  }
}

const std::string& Dn::LeafValue() const {
  static const std::string kEmpty;
  if (rdns_.empty() || rdns_[0].empty()) return kEmpty;
  return rdns_[0][0].value;
}

Dn Dn::Parent() const {
  if (rdns_.empty()) return Dn();
  Dn p;
  p.rdns_.assign(rdns_.begin() + 1, rdns_.end());
  p.rdn_keys_.assign(rdn_keys_.begin() + 1, rdn_keys_.end());
  p.key_ = key_.size() > rdn_keys_[0].size() ? key_.substr(rdn_keys_[0].size() + 1) : std::string();
  return p;
}

Dn Dn::Child(std::string_view type, std::string_view value) const {
  // Only the new RDN is folded; the parent's keys are reused.
  Dn c;
  c.rdns_.reserve(rdns_.size() + 1);
  c.rdns_.push_back(Rdn{Ava{std::string(type), std::string(value)}});
  c.rdns_.insert(c.rdns_.end(), rdns_.begin(), rdns_.end());
  c.rdn_keys_.reserve(rdn_keys_.size() + 1);
  c.rdn_keys_.push_back(RdnKey(c.rdns_.front()));
  c.rdn_keys_.insert(c.rdn_keys_.end(), rdn_keys_.begin(), rdn_keys_.end());
  c.key_ = key_.empty() ? c.rdn_keys_.front() : c.rdn_keys_.front() + "," + key_;
  return c;
}

bool Dn::IsAncestorOf(const Dn& other) const {
  if (other.rdn_keys_.size() <= rdn_keys_.size()) return false;
  return std::equal(rdn_keys_.rbegin(), rdn_keys_.rend(), other.rdn_keys_.rbegin());
}

bool Dn::IsParentOf(const Dn& child) const {
  return child.rdn_keys_.size() == rdn_keys_.size() + 1 && IsAncestorOf(child);
}

std::string Dn::ToString() const {
  std::string out;
  for (size_t r = 0; r < rdns_.size(); ++r) {
    if (r) out += ',';
    for (size_t a = 0; a < rdns_[r].size(); ++a) {
      if (a) out += '+';
      // AD's spelling for the usual types ("CN=", "DC="); slapd hands them back lower case.
      const std::string& type = rdns_[r][a].type;
      const std::string lower = ToLowerAscii(type);
      const bool usual = lower == "cn" || lower == "dc" || lower == "ou" || lower == "o" ||
                         lower == "c" || lower == "l" || lower == "st";
      out += usual ? ToUpperAscii(type) : type;
      out += '=';
      out += EscapeDnValue(rdns_[r][a].value);
    }
  }
  return out;
}

}  // namespace exdm
