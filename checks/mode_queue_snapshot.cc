// The queue seen through WMI snapshots (core: exdm/queue_snapshot.h), for queue and all modes:
// the same age and count thresholds as the tracking logs, perfdata under snapshot_* labels, and
// where both sources exist, whether they agree.
#include <algorithm>

#include "exdm/base/time_util.h"
#include "exdm/tracking/settings.h"
#include "modes.h"

namespace exdm::check {

QueueSnapshotOptions SnapshotReadFor(const CheckOptions& options) {
  return MakeQueueSnapshotOptions(options.snapshots, EvaluationTime(options));
}

Result<std::vector<QueueSnapshotRead>> CollectSnapshots(const CheckOptions& options,
                                                        const Deadline& deadline) {
  return ReadQueueSnapshots(SnapshotReadFor(options), deadline);
}

void RenderSnapshots(const std::vector<QueueSnapshotRead>& reads, const CheckOptions& options,
                     PluginOutput& out) {
  const int64_t now = EvaluationTime(options);
  uint64_t messages = 0, retrying = 0;
  int64_t oldest_age = 0, snapshot_age = 0;
  const QueueSnapshot* oldest = nullptr;
  std::vector<std::string> errors, queued_servers;
  for (const QueueSnapshotRead& r : reads) {
    // A stale snapshot's age still shows in the graph: that is how it went stale.
    if (r.taken_at) snapshot_age = std::max(snapshot_age, now - *r.taken_at);
    if (!r.snapshot) {
      errors.push_back(r.error.message());
      continue;
    }
    const QueueSnapshot& s = *r.snapshot;
    messages += s.message_count;
    retrying += s.retry ? 1 : 0;
    if (s.message_count) queued_servers.push_back(s.server + (s.retry ? " (retrying)" : ""));
    if (!oldest || s.OldestAgeSeconds() > oldest_age) {
      oldest = &s;
      oldest_age = s.OldestAgeSeconds();
    }
  }

  out.Raise(options.age.Evaluate(static_cast<double>(oldest_age)));
  out.Raise(options.stalled.Evaluate(static_cast<double>(messages)));
  if (!errors.empty()) {
    out.Raise(PluginState::kUnknown);
    out.AddSummary(errors.front() + (errors.size() > 1
                                         ? " (and " + std::to_string(errors.size() - 1) + " more)"
                                         : ""));
  }
  if (messages) {
    std::string servers;
    for (const std::string& s : queued_servers)
      servers += (servers.empty() ? "" : ", ") + s;
    out.AddSummary(std::to_string(messages) + " message" + (messages == 1 ? "" : "s") +
                   " in local delivery on " + servers + ", oldest " + FormatDuration(oldest_age) +
                   (oldest && oldest->oldest_message
                        ? " (since " + FormatIso8601Utc(*oldest->oldest_message) + ")"
                        : ""));
  } else if (errors.empty()) {
    out.AddSummary("local delivery queue empty (" + std::to_string(reads.size()) + " server" +
                   (reads.size() == 1 ? "" : "s") + ")");
  }

  out.AddPerf({"snapshot_messages", static_cast<double>(messages), "", &options.stalled, 0, {}});
  out.AddPerf({"snapshot_oldest_age", static_cast<double>(oldest_age), "s", &options.age, 0, {}});
  out.AddPerf({"snapshot_retrying", static_cast<double>(retrying), "", nullptr, 0, {}});
  out.AddPerf({"snapshot_age", static_cast<double>(snapshot_age), "s", nullptr, 0, {}});

  for (const QueueSnapshotRead& r : reads) {
    if (!r.snapshot) {
      out.AddLongLine(r.server + ": error: " + r.error.message());
      continue;
    }
    const QueueSnapshot& s = *r.snapshot;
    std::string line = s.server + ": " + std::to_string(s.message_count) + " message" +
                       (s.message_count == 1 ? "" : "s") + " (" + std::to_string(s.size_bytes) +
                       " bytes) in local delivery";
    if (s.oldest_message) {
      line += ", oldest " + FormatDuration(s.OldestAgeSeconds()) + " (queued " +
              FormatIso8601Utc(*s.oldest_message) + ")";
    }
    line += s.retry ? ", in retry" : ", not in retry";
    if (s.next_connection) line += ", next attempt " + FormatIso8601Utc(*s.next_connection);
    line += "; snapshot taken " + FormatIso8601Utc(s.taken_at) + " (" +
            FormatDuration(std::max<int64_t>(0, now - s.taken_at)) + " ago), " + s.path;
    out.AddLongLine(line);
    for (const QueueSnapshotLink& l : s.links) {
      if (s.links.size() < 2 || l.link_name.empty()) continue;
      out.AddLongLine("  link " + l.link_name + " (virtual server " + l.virtual_server +
                      "): " + std::to_string(l.message_count) + " messages" +
                      (l.retry ? ", in retry" : ""));
    }
  }
}

void RenderQueueComparison(const std::vector<LocalDeliveryReport>& tracking,
                           const std::vector<QueueSnapshotRead>& reads, const CheckOptions& options,
                           PluginOutput& out) {
  std::vector<QueueSnapshot> snapshots;
  for (const QueueSnapshotRead& r : reads)
    if (r.snapshot) snapshots.push_back(*r.snapshot);
  std::string disagreeing;
  for (const QueueSourceComparison& c :
       CompareQueueSources(tracking, snapshots, options.snapshot_tolerance)) {
    out.AddLongLine(c.server + ": tracking logs and WMI snapshot " +
                    (c.disagree ? "DISAGREE" : "agree") + ": " + c.text);
    if (c.disagree) disagreeing += (disagreeing.empty() ? "" : ", ") + c.server;
  }
  // The thresholds already judged each source; disagreement is a hint where to look (a stopped
  // scheduled task, tracking disabled, a stale share), not a state of its own.
  if (!disagreeing.empty()) {
    out.AddSummary("tracking logs and WMI snapshot disagree on " + disagreeing);
  }
}

}  // namespace exdm::check
