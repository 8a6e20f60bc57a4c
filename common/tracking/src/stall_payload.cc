#include "stall_payload.h"

#include <string>

#include "exdm/state/payload.h"

namespace exdm {

namespace {
constexpr uint64_t kPayloadVersion = 1;
}  // namespace

void SaveStallPayload(const TrackingLogParser& parser, const StallTracker& tracker,
                      PayloadWriter& w) {
  const TrackingLogParser::Counters& log = parser.counters();
  const StallTracker::Counters& stalls = tracker.counters();
  // In memory, sized up front: growing a string of tens of MB by doubling would briefly hold
  // two copies. Streamed (state_file.h), the writer flushes to the file every MB instead.
  if (!w.streaming()) {
    w.out().reserve(w.out().size() + 1024 + log.event_counts.size() / 4 + tracker.LiveKeyBytes() +
                    tracker.InFlight() * 40);
  }
  w.U64(kPayloadVersion);
  for (uint64_t v : {stalls.retries, stalls.deliveries, stalls.ended, stalls.vanished,
                     stalls.overflow, log.parse_errors, log.other_events}) {
    w.U64(v);
  }
  uint64_t nonzero = 0;
  for (uint64_t c : log.event_counts)
    nonzero += c != 0;
  w.U64(nonzero);
  for (uint32_t id = 0; id < log.event_counts.size(); ++id) {
    if (log.event_counts[id]) {
      w.U64(id);
      w.U64(log.event_counts[id]);
    }
  }
  w.U64(log.last_event.has_value());
  w.I64(log.last_event.value_or(0));
  w.I64(tracker.stream_time());
  w.U64(tracker.InFlight());
  tracker.ForEachPair([&](const DeliveryTable& table, const DeliveryPair& p) {
    w.Bytes(table.MessageId(p));
    w.Bytes(table.Recipient(p));
    w.I64(p.first_seen);
    w.I64(p.last_event);
    w.I64(p.attempt_time);
    w.U64(p.retries);
    w.U64(static_cast<uint64_t>(p.state));
    w.MaybeFlush();
  });
}

template <typename Reader>
Status LoadStallPayload(Reader& r, uint64_t size_hint, TrackingLogParser& parser,
                        StallTracker& tracker) {
  if (r.U64() != kPayloadVersion) {
    return Status(ErrorCode::kBadInput, "in-flight state has another format version");
  }
  TrackingLogParser::Counters& log = parser.counters();
  StallTracker::Counters& stalls = tracker.counters();
  uint64_t* counters[] = {&stalls.retries,  &stalls.deliveries, &stalls.ended,    &stalls.vanished,
                          &stalls.overflow, &log.parse_errors,  &log.other_events};
  for (uint64_t* c : counters)
    *c = r.U64();
  const uint64_t nonzero = r.U64();
  for (uint64_t i = 0; i < nonzero && r.ok(); ++i) {
    const uint64_t id = r.U64();
    const uint64_t count = r.U64();
    if (id < log.event_counts.size()) log.event_counts[id] = count;
  }
  const bool has_last = r.U64() != 0;
  const int64_t last = r.I64();
  if (has_last) log.last_event = last;
  tracker.set_stream_time(r.I64());
  const uint64_t n = r.U64();
  if (r.ok() && n <= size_hint) {
    // Headroom for the pairs the coming read adds: reserved pages cost no memory until used,
    // while outgrowing an exact reservation would copy the whole table once more.
    tracker.Reserve(static_cast<size_t>(n + n / 2 + 1024),
                    static_cast<size_t>(size_hint + size_hint / 2), static_cast<size_t>(n));
  }
  std::string msgid_copy;  // the stream reader's next view may reuse the buffer
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    msgid_copy.assign(r.Bytes());
    const std::string_view rcpt = r.Bytes();
    const int64_t first = r.I64(), last_ev = r.I64(), attempt = r.I64();
    const uint64_t retries = r.U64();
    const uint64_t state = r.U64();
    if (!r.ok() || state < 1 || state > 3 || rcpt.size() > StallTracker::kMaxRecipient) break;
    tracker.Restore(msgid_copy, rcpt, first, last_ev, attempt, static_cast<uint32_t>(retries),
                    static_cast<PairState>(state));
  }
  if (!r.ok()) return Status(ErrorCode::kBadInput, "in-flight state is corrupt");
  tracker.FinishRestore();
  return Status::Ok();
}

template Status LoadStallPayload<PayloadReader>(PayloadReader&, uint64_t, TrackingLogParser&,
                                                StallTracker&);
template Status LoadStallPayload<PayloadStreamReader>(PayloadStreamReader&, uint64_t,
                                                      TrackingLogParser&, StallTracker&);

}  // namespace exdm
