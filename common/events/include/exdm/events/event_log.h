// Exported Windows application logs: Log Parser 2.2 CSV (`LogParser -i:EVT -o:CSV "SELECT * FROM
// Application"`: EventLog, RecordNumber, TimeGenerated, …, SourceName, Strings, ComputerName, SID,
// Message, Data) and NXLog JSON lines (im_mseventlog + to_json(): EventTime, Hostname, EventID,
// SourceName, Category, Severity, Message, …). The format is detected per file.
//
// Columns are found by name (case-insensitive), never by position. Times without a zone (Log
// Parser's TimeGenerated, older NXLog's "YYYY-MM-DD hh:mm:ss") are read in the given zone; NXLog's
// ISO 8601 times with an offset use that offset. A row that cannot be read (wrong field count, no
// time, no event ID, broken JSON) is counted in bad_rows and skipped, never fatal.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "exdm/base/status.h"
#include "exdm/events/time_zone.h"

namespace exdm {

enum class EventFormat { kLogParserCsv, kNxlogJson };
std::string_view EventFormatName(EventFormat format);  // "logparser-csv" / "nxlog-json"

struct EventRecord {
  int64_t time = 0;       // UTC seconds
  uint32_t event_id = 0;  // low 16 bits, as Event Viewer shows it
  std::string source;     // SourceName
  std::string computer;   // ComputerName / Hostname
  std::string category;   // EventCategoryName / Category
  std::string message;    // full text, may span lines
  std::string strings;    // Log Parser's insertion strings joined by '|' (empty for NXLog)
};

struct EventParseStats {
  uint64_t records = 0;   // rows handed to the sink
  uint64_t bad_rows = 0;  // rows skipped as unreadable
  // Bytes of `data` that held complete rows. A trailing row without its line end (or with a
  // quote still open) is left for the next read of an appended file.
  uint64_t consumed = 0;
};

// Decides the format from the start of a file (after an optional UTF-8 BOM): a '{' means NXLog
// JSON lines, a CSV header naming EventID and SourceName means Log Parser. Otherwise kBadInput.
Result<EventFormat> DetectEventFormat(std::string_view head);

using EventSink = std::function<void(const EventRecord&)>;

// Parses the rows of `data`. For CSV, `data` starts with the header row unless `csv_header`
// (the start of the same file, for a read that resumes mid-file) is given. With final = false
// (a file that may still grow), a last row without its line end is left unconsumed.
EventParseStats ParseEvents(std::string_view data, EventFormat format, const TimeZone& zone,
                            const EventSink& sink, std::string_view csv_header = {},
                            bool final = true);

}  // namespace exdm
