#include "exdm/base/guid.h"

namespace exdm {
namespace {

// Position of each stored byte in the text form's 16 hex pairs: the first three groups are
// little-endian (bytes 3,2,1,0 - 5,4 - 7,6), the last two are kept in order.
constexpr int kTextOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Format(const std::array<uint8_t, 16>& bytes, const char* digits) {
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    const uint8_t b = bytes[static_cast<size_t>(kTextOrder[i])];
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
  return out;
}

}  // namespace

std::optional<Guid> Guid::FromBytes(std::string_view bytes) {
  if (bytes.size() != 16) return std::nullopt;
  Guid g;
  for (size_t i = 0; i < 16; ++i)
    g.bytes_[i] = static_cast<uint8_t>(bytes[i]);
  return g;
}

std::optional<Guid> Guid::Parse(std::string_view text) {
  if (text.size() == 38) {
    if (text.front() != '{' || text.back() != '}') return std::nullopt;
    text = text.substr(1, 36);
  }
  if (text.size() != 36) return std::nullopt;
  Guid g;
  size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      if (text[pos] != '-') return std::nullopt;
      ++pos;
    }
    const int hi = HexValue(text[pos]);
    const int lo = HexValue(text[pos + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    g.bytes_[static_cast<size_t>(kTextOrder[i])] = static_cast<uint8_t>(hi * 16 + lo);
    pos += 2;
  }
  return g;
}

std::string Guid::Bytes() const {
  return std::string(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
}

std::string Guid::ToString() const {
  return Format(bytes_, "0123456789abcdef");
}

std::string Guid::ToBracedUpper() const {
  return "{" + Format(bytes_, "0123456789ABCDEF") + "}";
}

std::string Guid::ToFilterValue() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(48);
  for (uint8_t b : bytes_) {
    out += '\\';
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

std::optional<Guid> FindBracedGuid(std::string_view text) {
  // Scan from the end: names and legacyExchangeDNs carry the store GUID last.
  size_t close = text.rfind('}');
  while (close != std::string_view::npos && close >= 37) {
    if (text[close - 37] == '{') {
      if (auto g = Guid::Parse(text.substr(close - 37, 38))) return g;
    }
    if (close == 0) break;
    close = text.rfind('}', close - 1);
  }
  return std::nullopt;
}

}  // namespace exdm
