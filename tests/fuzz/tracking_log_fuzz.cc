// Tracking-log reader (exdm/local_delivery.h), through its public API as tracking_dir.cc uses it.
// Input: byte 0 picks the chunk size, byte 1 where an incremental run stops; the rest is the file.
// Properties:
// - never reads past the padding it is promised (ASan), never crashes or throws;
// - feeding the file in chunks (the unconsumed tail carried to the next read) counts the same
//   lines, events and errors as feeding it whole; a final Consume consumes everything;
// - when the log's times never go backwards, the chunked run and an incremental run (stop
//   mid-file, save the payload, restore it into a new analyzer, learn the header from the file's
//   head, continue from the saved offset) end in the same stall state as one run over the whole
//   file. (Rows without a delivery role move log time on once per buffer, from the buffer's last
//   such row, to keep time parsing off the hot path: with times that go backwards, where buffers
//   end changes when a tentative attempt becomes a delivery. Found by this target.)
// - the saved payload restores to an analyzer that saves the same bytes again.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/tracking/local_delivery.h"
#include "fuzz_support.h"

namespace {

using exdm::LocalDeliveryAnalyzer;
using exdm::LocalDeliveryConfig;
using exdm::LocalDeliveryReport;

constexpr int64_t kNow = 1'795'651'200;  // 2026-11-26 00:00:00 UTC
constexpr size_t kHeadRead = 64 * 1024;  // as tracking_dir.cc

LocalDeliveryConfig Config() {
  LocalDeliveryConfig c;
  c.max_in_flight = 256;  // small, so the overflow path is reached
  c.max_stalled_recipients = 16;
  return c;
}

// Consume() over a copy whose padding holds `pad` bytes (not zeros: the reader must not depend on
// what lies past the end).
size_t ConsumePadded(LocalDeliveryAnalyzer& a, std::string_view bytes, bool final, char pad) {
  std::vector<char> buf(bytes.size() + LocalDeliveryAnalyzer::kPadding, pad);
  if (!bytes.empty()) std::memcpy(buf.data(), bytes.data(), bytes.size());
  const size_t used = a.Consume(buf.data(), bytes.size(), final);
  FUZZ_CHECK(used <= bytes.size(), "Consume returned more than it was given");
  if (final) FUZZ_CHECK(used == bytes.size(), "a final Consume leaves nothing unconsumed");
  return used;
}

// Whether every data row's Date and Time (the first two fields, as Exchange writes them) parse
// and never go backwards.
bool MonotonicTimes(std::string_view log) {
  if (log.substr(0, 3) == "\xEF\xBB\xBF") log.remove_prefix(3);
  int64_t previous = INT64_MIN;
  while (!log.empty()) {
    const size_t nl = log.find('\n');
    std::string_view line = log.substr(0, nl);
    log.remove_prefix(nl == std::string_view::npos ? log.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const size_t t1 = line.find('\t');
    if (t1 == std::string_view::npos) return false;
    const size_t t2 = line.find('\t', t1 + 1);
    const auto t = exdm::ParseTrackingTimestamp(
        line.substr(0, t1), line.substr(t1 + 1, t2 == std::string_view::npos ? t2 : t2 - t1 - 1));
    if (!t || *t < previous) return false;
    previous = *t;
  }
  return true;
}

// Counters that do not depend on log time.
void ExpectSameCounts(const LocalDeliveryReport& a, const LocalDeliveryReport& b,
                      const char* what) {
  FUZZ_CHECK(a.events_total == b.events_total, what);
  FUZZ_CHECK(a.parse_errors_total == b.parse_errors_total, what);
  FUZZ_CHECK(a.lines_read_this_run == b.lines_read_this_run, what);
  FUZZ_CHECK(a.bad_lines_this_run == b.bad_lines_this_run, what);
}

// The stall state: what an incremental run must carry over exactly.
void ExpectSameState(const LocalDeliveryReport& a, const LocalDeliveryReport& b, const char* what) {
  FUZZ_CHECK(a.stalled_deliveries == b.stalled_deliveries, what);
  FUZZ_CHECK(a.oldest_stalled_first_seen == b.oldest_stalled_first_seen, what);
  FUZZ_CHECK(a.in_flight == b.in_flight, what);
  FUZZ_CHECK(a.retries_total == b.retries_total, what);
  FUZZ_CHECK(a.deliveries_total == b.deliveries_total, what);
  FUZZ_CHECK(a.ended_total == b.ended_total, what);
  FUZZ_CHECK(a.vanished_total == b.vanished_total, what);
  FUZZ_CHECK(a.overflow_total == b.overflow_total, what);
  FUZZ_CHECK(a.parse_errors_total == b.parse_errors_total, what);
  FUZZ_CHECK(a.events_total == b.events_total, what);
  FUZZ_CHECK(a.last_event_timestamp == b.last_event_timestamp, what);
  FUZZ_CHECK(a.stalled_recipients.size() == b.stalled_recipients.size(), what);
  for (size_t i = 0; i < a.stalled_recipients.size(); ++i) {
    FUZZ_CHECK(a.stalled_recipients[i].address == b.stalled_recipients[i].address, what);
    FUZZ_CHECK(a.stalled_recipients[i].deliveries == b.stalled_recipients[i].deliveries, what);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t chunk_byte = in.Byte();
  const uint8_t split_byte = in.Byte();
  const std::string_view log = in.rest();
  const std::string name = "20261125.log";

  // Whole.
  LocalDeliveryAnalyzer whole("EXCH01", Config());
  whole.BeginFile(name, 0);
  ConsumePadded(whole, log, /*final=*/true, '\t');
  const LocalDeliveryReport expected = whole.Evaluate(kNow);
  FUZZ_CHECK(expected.bad_line_samples.size() <= Config().max_bad_line_samples,
             "bad line samples are capped");
  FUZZ_CHECK(expected.stalled_recipients.size() <= Config().max_stalled_recipients,
             "stalled recipients are capped");
  FUZZ_CHECK(expected.in_flight <= Config().max_in_flight, "in-flight pairs are capped");

  const bool monotonic = MonotonicTimes(log);

  // Chunked, as tracking_dir.cc reads: the unconsumed tail moves to the front of the next read.
  {
    const size_t chunk = 1 + size_t{chunk_byte & 0x3fu} * (chunk_byte & 0x40 ? 67 : 1);
    LocalDeliveryAnalyzer chunked("EXCH01", Config());
    chunked.BeginFile(name, 0);
    std::string pending;
    size_t pos = 0;
    do {
      const size_t n = std::min(chunk, log.size() - pos);
      pending.append(log.substr(pos, n));
      pos += n;
      const size_t used = ConsumePadded(chunked, pending, pos == log.size(), '\n');
      pending.erase(0, used);
    } while (pos < log.size());
    const LocalDeliveryReport got = chunked.Evaluate(kNow);
    ExpectSameCounts(expected, got, "chunked feeding counts differently");
    if (monotonic) ExpectSameState(expected, got, "chunked feeding differs from whole feeding");
  }

  // Incremental: stop at a line end, save, restore, resume. Only for files whose column header is
  // at the top (as Exchange writes them): a header repeated mid-file is read only by a run that
  // passes it, and LearnHeader reads the head alone.
  size_t first_data = log.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (first_data < log.size() && log[first_data] == '#') {
    const size_t nl = log.find('\n', first_data);
    first_data = nl == std::string_view::npos ? log.size() : nl + 1;
  }
  const bool header_only_at_top =
      log.find("\n#", first_data == 0 ? 0 : first_data - 1) == std::string_view::npos;
  if (header_only_at_top && first_data <= kHeadRead) {
    const size_t stop = log.size() * split_byte / 255;
    LocalDeliveryAnalyzer first("EXCH01", Config());
    first.BeginFile(name, 0);
    const size_t offset = ConsumePadded(first, log.substr(0, stop), /*final=*/false, 'x');
    const std::string payload = first.SavePayload();

    LocalDeliveryAnalyzer second("EXCH01", Config());
    const exdm::Status loaded = second.LoadPayload(payload);
    FUZZ_CHECK(loaded.ok(), "a saved payload loads");
    FUZZ_CHECK(second.SavePayload() == payload, "payload round trip is stable");
    if (monotonic && offset > 0 && first.HasHeader()) {
      second.BeginFile(name, offset);
      // The head's header lines as a whole run ends up reading them (a later one may replace or
      // spoil the first).
      FUZZ_CHECK(second.LearnHeader(log.substr(0, kHeadRead)) == whole.HasHeader(),
                 "LearnHeader reads the header as Consume does");
      ConsumePadded(second, log.substr(offset), /*final=*/true, '\r');
      ExpectSameState(expected, second.Evaluate(kNow), "incremental run differs from one run");
    }
  }
  return 0;
}
