// The CSV layer both store snapshot parsers share (private): the header matched by column name,
// the data rows one by one, and the two columns every row of a snapshot carries (snapshot_utc and
// server, the same on every row). The parsers give the script's column list, which of them a file
// must have, and read the fields they know.
//
// Strict where a wrong reading would mislead: a missing required column, a malformed row, a row
// short of fields, two snapshots in one file, and a file whose last line has no line end (cut
// while being written: its last row may be half a row, and a snapshot missing its last rows
// would report mailboxes as absent) are refused with the line. Tolerant of the rest: RFC 4180
// quoting, CRLF or LF, a UTF-8 BOM, columns in any order and any case, extra columns.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/status.h"

namespace exdm::store_csv {

// Column 0 of every snapshot is snapshot_utc, column 1 server.
inline constexpr size_t kSnapshotUtc = 0;
inline constexpr size_t kServer = 1;

struct Format {
  std::vector<std::string_view> columns;   // the script's columns, in its order
  std::vector<std::string_view> required;  // the ones a file must have
  std::string kind;                        // "mailbox snapshot", for messages
};

class Reader {
 public:
  // Reads the header (the first line that is not blank). kBadInput naming what is wrong.
  static Result<Reader> Open(std::string_view text, Format format);

  // Moves to the next data row: true when there is one, false at the end, an error for a row
  // that is malformed, short of fields, or names another snapshot_utc or server than the first.
  Result<bool> Next();

  // The current row's field of `column` (an index into Format::columns), trimmed; empty when the
  // file has no such column.
  std::string_view Field(size_t column) const;
  // The field as an ISO 8601 time; nullopt when empty (an error when `required`).
  Result<std::optional<int64_t>> Time(size_t column, bool required) const;
  // The field as a whole number no larger than `max`; nullopt when empty.
  Result<std::optional<uint64_t>> Count(size_t column, uint64_t max) const;
  // The field as 0/1 (or false/true).
  Result<bool> Flag(size_t column) const;
  // "line N: <what>" for the current row.
  Status Bad(const std::string& what) const;

  // After the last row: the server to label the snapshot with (`expected` when given, which must
  // name the file's server), or kBadInput when the file had no data row.
  Result<std::string> Finish(const std::string& expected) const;
  int64_t taken_at() const { return taken_at_; }

 private:
  Reader(std::string_view text, Format format) : text_(text), format_(std::move(format)) {}

  std::string_view text_;
  Format format_;
  size_t pos_ = 0;
  size_t line_ = 0;         // of the current row
  std::vector<size_t> at_;  // column -> field index, or kAbsent
  std::vector<std::string> fields_;
  bool first_ = true;
  int64_t taken_at_ = 0;
  std::string server_;
};

}  // namespace exdm::store_csv
