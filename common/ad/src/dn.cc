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

// FoldDirectoryString appended to `out` (which may hold text already): DN keys fold into one
// string, not one per value.
void AppendFolded(std::string& out, std::string_view value) {
  if (AlreadyFolded(value)) {
    out.append(value);
    return;
  }
  const size_t begin = out.size();
  bool pending_space = false;
  size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == ' ') {
      pending_space = out.size() > begin;
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
}

}  // namespace

std::string FoldDirectoryString(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  AppendFolded(out, value);
  return out;
}

namespace {

// The bytes escaped wherever they are in a value: a table, since every value of every DN is
// looked at.
struct EscapedBytes {
  bool table[256] = {};
  constexpr EscapedBytes() {
    for (int c = 0; c < 0x20; ++c)
      table[c] = true;
    for (const char c : {'\x7f', '"', '+', ',', ';', '<', '>', '\\', '='})
      table[static_cast<unsigned char>(c)] = true;
  }
};
constexpr EscapedBytes kEscapedBytes;

// Whether a value is written as it is (no byte to escape, no leading '#', no edge space).
bool IsPlainDnValue(std::string_view value) {
  if (value.empty()) return true;
  if (value.front() == ' ' || value.front() == '#' || value.back() == ' ') return false;
  for (const char c : value) {
    if (kEscapedBytes.table[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// EscapeDnValue appended to `out`: DN rendering and keys build one string, not one per value.
void AppendEscapedDnValue(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  if (IsPlainDnValue(value)) {
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

namespace {

// The RFC 4514 scanner behind Parse and rdns(): calls on_ava(type, value, first_of_rdn) for each
// AVA, leaf first, with the value unescaped (a view into `text` when it holds no escape, else into
// `scratch`). An on_ava that returns false ends the scan early. Text that is only spaces is the
// empty DN (no AVA).
template <typename OnAva>
Status ScanDn(std::string_view text, std::string& scratch, OnAva on_ava) {
  size_t i = 0;
  const size_t n = text.size();
  auto skip_spaces = [&] {
    while (i < n && IsSpace(text[i]))
      ++i;
  };
  skip_spaces();
  if (i == n) return Status::Ok();
  bool first_of_rdn = true;
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
    const std::string_view type = text.substr(type_start, i - type_start);
    skip_spaces();
    if (i >= n || text[i] != '=') return Bad(text, "missing '=' after " + std::string(type));
    ++i;
    skip_spaces();
    // attributeValue
    std::string_view value;
    if (i < n && text[i] == '#') {
      // hexstring: a BER-encoded string value; decode the common short forms to its content.
      std::string& ber = scratch;
      ber.clear();
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
      value = std::string_view(ber).substr(header);
      skip_spaces();
    } else {
      const size_t value_start = i;
      size_t end = i;  // past the last significant (not a trailing unescaped space) byte
      bool escaped = false;
      while (i < n && text[i] != ',' && text[i] != '+' && text[i] != ';') {
        const char c = text[i];
        if (c == '\\') {
          if (i + 1 >= n) return Bad(text, "dangling '\\'");
          if (HexValue(text[i + 1]) >= 0) {
            if (i + 2 >= n || HexValue(text[i + 2]) < 0) return Bad(text, "bad hex escape");
            i += 3;
          } else {
            if (std::string_view("\"+,;<>\\ #=").find(text[i + 1]) == std::string_view::npos) {
              return Bad(text, "'\\' before an ordinary character");
            }
            i += 2;
          }
          escaped = true;
          end = i;
          continue;
        }
        if (c == '"') return Bad(text, "unescaped '\"'");
        ++i;
        if (!IsSpace(c)) end = i;
      }
      value = text.substr(value_start, end - value_start);
      if (escaped) {  // rare: decode into the scratch buffer
        std::string& decoded = scratch;
        decoded.clear();
        for (size_t k = 0; k < value.size();) {
          if (value[k] != '\\') {
            decoded += value[k++];
          } else if (HexValue(value[k + 1]) >= 0) {
            decoded += static_cast<char>(HexValue(value[k + 1]) * 16 + HexValue(value[k + 2]));
            k += 3;
          } else {
            decoded += value[k + 1];
            k += 2;
          }
        }
        value = decoded;
      }
    }
    if (!on_ava(type, value, first_of_rdn)) return Status::Ok();
    if (i >= n) break;
    first_of_rdn = text[i] != '+';
    ++i;  // '+', ',' or ';'
    if (first_of_rdn) {
      skip_spaces();
      if (i >= n) return Bad(text, "empty RDN at the end");
    }
  }
  return Status::Ok();
}

// The value of the first AVA of canonical text (a Dn's own text_ from some RDN on).
std::string FirstValue(std::string_view text) {
  std::string scratch, out;
  ScanDn(text, scratch, [&out](std::string_view, std::string_view value, bool) {
    out.assign(value);
    return false;
  });
  return out;
}

}  // namespace

// Appends AVAs to a Dn's texts, one RDN after another, leaf first.
class DnBuilder {
 public:
  explicit DnBuilder(Dn& dn) : dn_(dn) {}

  void Add(std::string_view type, std::string_view value, bool first_of_rdn) {
    if (first_of_rdn) {
      SortAvaKeys();
      if (!dn_.starts_.empty()) {
        dn_.key_ += ',';
        dn_.text_ += ',';
      } else {
        dn_.leaf_.assign(value);
      }
      dn_.starts_.push_back(static_cast<uint32_t>(dn_.key_.size()));
      dn_.starts_.push_back(static_cast<uint32_t>(dn_.text_.size()));
      ava_keys_.clear();
    } else {
      dn_.key_ += '+';
      dn_.text_ += '+';
    }
    ava_keys_.push_back(dn_.key_.size());
    // The key: lower-case type, '=', the folded value escaped.
    AppendLowerAscii(dn_.key_, type);
    dn_.key_ += '=';
    // Folding a plain value leaves it plain (it only lowers letters and drops or collapses
    // spaces), so nearly every value is folded straight into the key and written as it is.
    const bool plain = IsPlainDnValue(value);
    if (plain) {
      AppendFolded(dn_.key_, value);
    } else {
      folded_.clear();
      AppendFolded(folded_, value);
      AppendEscapedDnValue(dn_.key_, folded_);
    }
    // The text: the usual types upper case, '=', the value escaped.
    if (IsUsualType(type)) {
      for (const char c : type)
        dn_.text_ += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    } else {
      dn_.text_.append(type);
    }
    dn_.text_ += '=';
    if (plain) {
      dn_.text_.append(value);
    } else {
      AppendEscapedDnValue(dn_.text_, value);
    }
  }

  // Ends the last RDN.
  void Finish() { SortAvaKeys(); }

 private:
  // A multi-valued RDN's key lists its AVAs sorted, so "a=1+b=2" and "b=2+a=1" are one RDN.
  // Nearly every RDN has one AVA: nothing to sort.
  void SortAvaKeys() {
    if (ava_keys_.size() < 2) return;
    std::string& key = dn_.key_;
    std::vector<std::string> parts;
    for (size_t j = 0; j < ava_keys_.size(); ++j) {
      const size_t end = j + 1 < ava_keys_.size() ? ava_keys_[j + 1] - 1 : key.size();
      parts.push_back(key.substr(ava_keys_[j], end - ava_keys_[j]));
    }
    std::sort(parts.begin(), parts.end());
    key.resize(ava_keys_.front());
    for (size_t j = 0; j < parts.size(); ++j) {
      if (j) key += '+';
      key += parts[j];
    }
    ava_keys_.clear();
  }

  Dn& dn_;
  std::vector<size_t> ava_keys_;  // where each AVA of the current RDN starts in the key
  std::string folded_;
};

Result<Dn> Dn::Parse(std::string_view text) {
  Dn dn;
  dn.key_.reserve(text.size());
  dn.text_.reserve(text.size());
  DnBuilder builder(dn);
  std::string scratch;
  Status s = ScanDn(text, scratch,
                    [&builder](std::string_view type, std::string_view value, bool first_of_rdn) {
                      builder.Add(type, value, first_of_rdn);
                      return true;
                    });
  if (!s.ok()) return s;
  builder.Finish();
  return dn;
}

Result<std::string> Dn::ParseLeafValue(std::string_view text) {
  std::string scratch, leaf;
  bool first = true;
  Status s = ScanDn(text, scratch, [&](std::string_view, std::string_view value, bool) {
    if (first) leaf.assign(value);
    first = false;
    return true;
  });
  if (!s.ok()) return s;
  return leaf;
}

Dn Dn::FromRdns(const std::vector<Rdn>& rdns) {
  Dn dn;
  DnBuilder builder(dn);
  for (const Rdn& rdn : rdns) {
    for (size_t a = 0; a < rdn.size(); ++a)
      builder.Add(rdn[a].type, rdn[a].value, a == 0);
  }
  builder.Finish();
  return dn;
}

std::vector<Rdn> Dn::rdns() const {
  std::vector<Rdn> out;
  std::string scratch;
  ScanDn(text_, scratch, [&out](std::string_view type, std::string_view value, bool first) {
    if (first) out.emplace_back();
    out.back().push_back(Ava{std::string(type), std::string(value)});
    return true;
  });
  return out;
}

Dn Dn::Parent() const {
  if (size() < 2) return Dn();
  Dn p;
  const uint32_t key_cut = starts_[2];
  const uint32_t text_cut = starts_[3];
  p.key_ = key_.substr(key_cut);
  p.text_ = text_.substr(text_cut);
  p.leaf_ = FirstValue(p.text_);
  p.starts_.reserve(starts_.size() - 2);
  for (size_t i = 2; i < starts_.size(); i += 2) {
    p.starts_.push_back(starts_[i] - key_cut);
    p.starts_.push_back(starts_[i + 1] - text_cut);
  }
  return p;
}

Dn Dn::Child(std::string_view type, std::string_view value) const {
  // Only the new RDN is folded; the parent's texts are reused.
  Dn c;
  c.key_.reserve(key_.size() + type.size() + value.size() + 8);
  c.text_.reserve(text_.size() + type.size() + value.size() + 8);
  DnBuilder builder(c);
  builder.Add(type, value, true);
  builder.Finish();
  if (!empty()) {
    c.key_ += ',';
    c.text_ += ',';
    const auto key_shift = static_cast<uint32_t>(c.key_.size());
    const auto text_shift = static_cast<uint32_t>(c.text_.size());
    c.key_ += key_;
    c.text_ += text_;
    c.starts_.reserve(starts_.size() + 2);
    for (size_t i = 0; i < starts_.size(); i += 2) {
      c.starts_.push_back(starts_[i] + key_shift);
      c.starts_.push_back(starts_[i + 1] + text_shift);
    }
  }
  return c;
}

bool Dn::IsAncestorOf(const Dn& other) const {
  if (other.size() <= size()) return false;
  if (empty()) return true;  // the root is everyone's ancestor
  // Keys escape ',' inside values, so the RDN boundary in `other` where this DN would start is
  // exact; compare from there to the end.
  const uint32_t start = other.starts_[2 * (other.size() - size())];
  return other.key_.size() - start == key_.size() &&
         other.key_.compare(start, key_.size(), key_) == 0;
}

bool Dn::IsParentOf(const Dn& child) const {
  return child.size() == size() + 1 && IsAncestorOf(child);
}

std::string_view Dn::ParentKey() const {
  return size() < 2 ? std::string_view() : std::string_view(key_).substr(starts_[2]);
}

}  // namespace exdm
