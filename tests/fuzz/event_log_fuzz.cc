// Exported event logs (exdm/event_log.h: Log Parser CSV, NXLog JSON lines) and the event texts
// read from them (exdm/event_evidence.h).
// Input: byte 0 picks the format (detected / CSV / JSON) and the zone, byte 1 where a first,
// non-final read of a growing file stops; the rest is the file.
// Properties:
// - no crash, no exception, no read past the input (ASan);
// - consumed never exceeds the input, a final parse consumes through the last complete row;
// - reading the file in two parts (a non-final read, then the rest from `consumed` with the
//   file's start as CSV header) delivers exactly the records of one read of the whole file;
// - the event evidence built from the records keeps its invariants (GUIDs in label form).
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/guid.h"
#include "exdm/events/event_log.h"
#include "exdm/events/evidence.h"
#include "fuzz_support.h"

namespace {

using exdm::EventFormat;
using exdm::EventRecord;

bool SameRecord(const EventRecord& a, const EventRecord& b) {
  return a.time == b.time && a.event_id == b.event_id && a.source == b.source &&
         a.computer == b.computer && a.category == b.category && a.message == b.message &&
         a.strings == b.strings;
}

void ExpectLabelGuid(const std::string& guid) {
  if (guid.empty()) return;
  const auto parsed = exdm::Guid::Parse(guid);
  FUZZ_CHECK(parsed && parsed->ToString() == guid, "GUIDs are reported in label form");
}

const exdm::TimeZone& Berlin() {
  static const exdm::TimeZone zone = [] {
    auto z = exdm::TimeZone::Load("Europe/Berlin");
    return z.ok() ? *z : exdm::TimeZone::Utc();
  }();
  return zone;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t mode = in.Byte();
  const uint8_t split_byte = in.Byte();
  const std::string_view file = in.rest();
  const exdm::TimeZone utc = exdm::TimeZone::Utc();
  const exdm::TimeZone& zone = mode & 4 ? Berlin() : utc;

  EventFormat format;
  switch (mode & 3) {
    case 1:
      format = EventFormat::kLogParserCsv;
      break;
    case 2:
      format = EventFormat::kNxlogJson;
      break;
    default: {
      auto detected = exdm::DetectEventFormat(file.substr(0, 64 * 1024));
      if (!detected.ok()) return 0;
      format = *detected;
    }
  }

  std::vector<EventRecord> whole;
  const exdm::EventParseStats all =
      exdm::ParseEvents(file, format, zone, [&whole](const EventRecord& r) { whole.push_back(r); });
  FUZZ_CHECK(all.consumed <= file.size(), "consumed within the input");
  FUZZ_CHECK(all.records == whole.size(), "records counts what reached the sink");

  // A growing file: a first read that stops somewhere, then the rest.
  const size_t stop = file.size() * split_byte / 255;
  std::vector<EventRecord> parts;
  auto sink = [&parts](const EventRecord& r) { parts.push_back(r); };
  const exdm::EventParseStats first =
      exdm::ParseEvents(file.substr(0, stop), format, zone, sink, {}, /*final=*/false);
  FUZZ_CHECK(first.consumed <= stop, "consumed within the input (non-final)");
  const std::string_view header = first.consumed > 0 ? file : std::string_view();
  const exdm::EventParseStats second =
      exdm::ParseEvents(file.substr(first.consumed), format, zone, sink, header, /*final=*/true);
  FUZZ_CHECK(first.consumed + second.consumed <= file.size(), "consumed within the input");
  FUZZ_CHECK(parts.size() == whole.size(), "two reads deliver the records of one read");
  for (size_t i = 0; i < whole.size(); ++i)
    FUZZ_CHECK(SameRecord(parts[i], whole[i]), "two reads deliver the same records");

  // What the evidence collector reads out of the records.
  exdm::ServerEventEvidence evidence;
  for (const EventRecord& r : whole) {
    exdm::AddEventRecord(r, /*window_start=*/0, /*now=*/r.time + 1, evidence);
    const exdm::LogonFailureText text = exdm::ParseLogonFailureText(r.message);
    ExpectLabelGuid(text.store_guid);
  }
  for (const auto& e : evidence.logon_failures)
    ExpectLabelGuid(e.store_guid);
  for (const auto& e : evidence.call_failures)
    ExpectLabelGuid(e.mdb_guid);
  for (const auto& e : evidence.system_mailbox_missing)
    ExpectLabelGuid(e.store_guid);
  return 0;
}
