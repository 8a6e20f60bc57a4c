#include "snapshot_csv.h"

#include <algorithm>
#include <utility>

#include "exdm/base/csv_record.h"
#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"

namespace exdm::store_csv {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kAbsent = static_cast<size_t>(-1);

// 1-based line of byte `offset` (quoted fields may span lines, so records are not lines).
size_t LineAt(std::string_view text, size_t offset) {
  return 1 + static_cast<size_t>(
                 std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

bool IsBlank(const std::vector<std::string>& fields) {
  return fields.size() == 1 && TrimAscii(fields[0]).empty();
}

Status BadAt(size_t line, const std::string& what) {
  return Status(ErrorCode::kBadInput, "line " + std::to_string(line) + ": " + what);
}

}  // namespace

Result<Reader> Reader::Open(std::string_view text, Format format) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  Reader reader(text, std::move(format));
  const Format& f = reader.format_;
  bool malformed = false;
  size_t header_line = 0;
  while (true) {
    const size_t start = reader.pos_;
    if (!NextCsvRecord(text, reader.pos_, true, reader.fields_, malformed)) {
      return Status(ErrorCode::kBadInput, "empty " + f.kind + " (no header line)");
    }
    if (!IsBlank(reader.fields_)) {
      header_line = LineAt(text, start);
      break;
    }
  }
  reader.at_.assign(f.columns.size(), kAbsent);
  for (size_t i = 0; i < reader.fields_.size(); ++i) {
    const std::string_view name = TrimAscii(reader.fields_[i]);
    for (size_t c = 0; c < f.columns.size(); ++c) {
      if (reader.at_[c] == kAbsent && EqualsIgnoreCase(name, f.columns[c])) reader.at_[c] = i;
    }
  }
  std::string missing;
  for (std::string_view required : f.required) {
    const auto c = static_cast<size_t>(std::find(f.columns.begin(), f.columns.end(), required) -
                                       f.columns.begin());
    if (c >= f.columns.size() || reader.at_[c] == kAbsent) {
      missing += (missing.empty() ? "" : ", ") + std::string(required);
    }
  }
  if (!missing.empty()) {
    return BadAt(header_line, "not a " + f.kind + " header: no column " + missing +
                                  " (expected the columns exchange-store-snapshot.vbs writes)");
  }
  if (text.back() != '\n' && text.back() != '\r') {
    return BadAt(LineAt(text, text.size() - 1),
                 "the last line has no line end: the file was cut while being written (the "
                 "script writes <FILE>.tmp and renames it; does something copy it in place?)");
  }
  return reader;
}

Result<bool> Reader::Next() {
  bool malformed = false;
  while (true) {
    const size_t start = pos_;
    if (!NextCsvRecord(text_, pos_, true, fields_, malformed)) return false;
    if (IsBlank(fields_)) continue;
    line_ = LineAt(text_, start);
    break;
  }
  if (malformed) return Bad("malformed CSV (a quote inside an unquoted field?)");
  for (size_t c = 0; c < at_.size(); ++c) {
    if (at_[c] != kAbsent && at_[c] >= fields_.size()) {
      return Bad(std::to_string(fields_.size()) + " fields, the header has more (no " +
                 std::string(format_.columns[c]) + ")");
    }
  }
  auto taken = Time(kSnapshotUtc, true);
  if (!taken) return taken.status();
  const std::string_view server = Field(kServer);
  if (server.empty()) return Bad("empty server");
  if (first_) {
    taken_at_ = **taken;
    server_ = std::string(server);
    first_ = false;
  } else if (**taken != taken_at_ || !EqualsIgnoreCase(server, server_)) {
    return Bad("snapshot_utc and server differ from the first line's (two snapshots in one file?)");
  }
  return true;
}

std::string_view Reader::Field(size_t column) const {
  if (column >= at_.size() || at_[column] == kAbsent || at_[column] >= fields_.size()) return {};
  return TrimAscii(fields_[at_[column]]);
}

Result<std::optional<int64_t>> Reader::Time(size_t column, bool required) const {
  const std::string_view v = Field(column);
  const std::string name(format_.columns[column]);
  if (v.empty()) {
    if (required) return Bad("empty " + name);
    return std::optional<int64_t>();
  }
  const auto t = ParseIso8601(v);
  if (!t) return Bad(name + " '" + std::string(v) + "' is not an ISO 8601 time");
  return std::optional<int64_t>(*t);
}

Result<std::optional<uint64_t>> Reader::Count(size_t column, uint64_t max) const {
  const std::string_view v = Field(column);
  if (v.empty()) return std::optional<uint64_t>();
  uint64_t n = 0;
  bool ok = v.size() <= 19;
  for (char c : v) {
    if (!ok || c < '0' || c > '9') {
      ok = false;
      break;
    }
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || n > max) {
    return Bad(std::string(format_.columns[column]) + " '" + std::string(v) +
               "' is not a number up to " + std::to_string(max));
  }
  return std::optional<uint64_t>(n);
}

Result<bool> Reader::Flag(size_t column) const {
  const std::string_view v = Field(column);
  if (v == "1" || EqualsIgnoreCase(v, "true")) return true;
  if (v == "0" || EqualsIgnoreCase(v, "false")) return false;
  return Bad(std::string(format_.columns[column]) + " '" + std::string(v) + "' is not 0 or 1");
}

Status Reader::Bad(const std::string& what) const {
  return BadAt(line_, what);
}

Result<std::string> Reader::Finish(const std::string& expected) const {
  if (first_) {
    return Status(ErrorCode::kBadInput, format_.kind +
                                            " has a header but no data line (the script always "
                                            "writes one)");
  }
  if (!expected.empty() && !EqualsIgnoreCase(expected, server_)) {
    return Status(ErrorCode::kBadInput, "is a snapshot of server " + server_ + ", not " + expected +
                                            " (name it " + server_ + "=FILE)");
  }
  return expected.empty() ? server_ : expected;
}

}  // namespace exdm::store_csv
