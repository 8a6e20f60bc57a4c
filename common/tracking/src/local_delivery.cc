// LocalDeliveryAnalyzer: the public face of the tracking module's three parts: the log parser
// (log_parser.h) feeds rows to the stall tracker (stall_tracker.h); the state payload
// (stall_payload.h) saves and restores both between runs.
#include "exdm/tracking/local_delivery.h"

#include "exdm/state/payload.h"
#include "log_parser.h"
#include "parallel_read.h"
#include "stall_payload.h"
#include "stall_tracker.h"

namespace exdm {

// One heap object holds the configuration and both parts, so the references they keep to the
// configuration and to each other stay valid when the analyzer is moved.
struct LocalDeliveryAnalyzer::Impl {
  Impl(std::string server_name, LocalDeliveryConfig config)
      : server(std::move(server_name)),
        cfg(std::move(config)),
        tracker(cfg),
        parser(cfg, tracker) {}

  std::string server;
  LocalDeliveryConfig cfg;
  StallTracker tracker;
  TrackingLogParser parser;
  std::vector<std::string> file_errors, warnings;
};

LocalDeliveryAnalyzer::LocalDeliveryAnalyzer(std::string server, LocalDeliveryConfig config)
    : impl_(std::make_unique<Impl>(std::move(server), std::move(config))) {}
LocalDeliveryAnalyzer::~LocalDeliveryAnalyzer() = default;
LocalDeliveryAnalyzer::LocalDeliveryAnalyzer(LocalDeliveryAnalyzer&&) noexcept = default;
LocalDeliveryAnalyzer& LocalDeliveryAnalyzer::operator=(LocalDeliveryAnalyzer&&) noexcept = default;

void LocalDeliveryAnalyzer::BeginFile(std::string name, uint64_t start_offset) {
  impl_->parser.BeginFile(std::move(name), start_offset);
}
bool LocalDeliveryAnalyzer::LearnHeader(std::string_view head) {
  return impl_->parser.LearnHeader(head);
}
size_t LocalDeliveryAnalyzer::Consume(const char* data, size_t size, bool final) {
  return impl_->parser.Consume(data, size, final);
}
void LocalDeliveryAnalyzer::SkipBytes(uint64_t n) {
  impl_->parser.SkipBytes(n);
}
Result<ParallelReadEnd> LocalDeliveryAnalyzer::ReadRange(int fd, uint64_t from, uint64_t to,
                                                         const ParallelReadPlan& plan,
                                                         const std::atomic<bool>& cancelled) {
  return ReadRangeInParallel(fd, from, to, impl_->parser, plan, cancelled);
}
bool LocalDeliveryAnalyzer::HasHeader() const {
  return impl_->parser.HasHeader();
}
void LocalDeliveryAnalyzer::AddFileError(std::string message) {
  impl_->file_errors.push_back(std::move(message));
}
void LocalDeliveryAnalyzer::AddWarning(std::string message) {
  impl_->warnings.push_back(std::move(message));
}

LocalDeliveryReport LocalDeliveryAnalyzer::Evaluate(int64_t now) {
  const TrackingLogParser::Counters& log = impl_->parser.counters();
  // Silence means something only while the log goes on: measured against the latest log time,
  // a share that stopped updating (collection lag, server down) does not make stalls vanish.
  impl_->tracker.Sweep(log.last_event ? std::min(*log.last_event, now) : now);
  LocalDeliveryReport r;
  r.server = impl_->server;
  r.evaluated_at = now;
  impl_->tracker.Report(now, r);
  r.parse_errors_total = log.parse_errors;
  uint64_t other = log.other_events;
  for (uint32_t id = 0; id < log.event_counts.size(); ++id) {
    if (!log.event_counts[id]) continue;
    if (TrackingEventTable::IsKnown(id)) {
      r.events_total[std::to_string(id)] = log.event_counts[id];
    } else {
      other += log.event_counts[id];
    }
  }
  if (other) r.events_total["other"] = other;
  r.last_event_timestamp = log.last_event;
  const TrackingLogParser::RunStats& run = impl_->parser.run();
  r.lines_read_this_run = run.lines;
  r.bad_lines_this_run = run.bad_lines;
  r.bytes_read_this_run = run.bytes;
  r.files_read_this_run = run.files;
  r.bad_line_samples = run.samples;
  r.file_errors = impl_->file_errors;
  r.warnings = impl_->warnings;
  impl_->parser.ReleaseBuffers();
  return r;
}

std::string LocalDeliveryAnalyzer::SavePayload() const {
  PayloadWriter w;
  SaveStallPayload(impl_->parser, impl_->tracker, w);
  return std::move(w.out());
}
void LocalDeliveryAnalyzer::SavePayloadTo(PayloadWriter& w) const {
  SaveStallPayload(impl_->parser, impl_->tracker, w);
}
Status LocalDeliveryAnalyzer::LoadPayload(std::string_view payload) {
  PayloadReader r(payload);
  Status s = LoadStallPayload(r, payload.size(), impl_->parser, impl_->tracker);
  if (s.ok() && !r.at_end()) return Status(ErrorCode::kBadInput, "in-flight state is corrupt");
  return s;
}
Status LocalDeliveryAnalyzer::LoadPayloadFrom(PayloadStreamReader& r, uint64_t size) {
  const uint64_t start = r.consumed();
  Status s = LoadStallPayload(r, size, impl_->parser, impl_->tracker);
  if (s.ok() && r.consumed() - start != size) {
    return Status(ErrorCode::kBadInput, "in-flight state is corrupt");
  }
  return s;
}
size_t LocalDeliveryAnalyzer::InFlight() const {
  return impl_->tracker.InFlight();
}
size_t LocalDeliveryAnalyzer::MemoryBytes() const {
  return impl_->tracker.MemoryBytes();
}

}  // namespace exdm
