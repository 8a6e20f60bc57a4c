// WMI queue snapshot CSVs (exdm/queue_snapshot.h), written by a script on the Exchange server.
// Input: byte 0 picks the expected server ("" = the file's, or "EXCH01"); the rest is the file.
// Properties: a snapshot either parses or is refused with a message (never a crash); a parsed
// one has a server (the expected one when given), at least one line, totals that are the sums
// of its links' (at most), an oldest age that is never negative; comparing it with tracking
// reports never crashes.
#include <string>

#include "exdm/tracking/queue_snapshot.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const std::string expected = in.Byte() & 1 ? "EXCH01" : "";
  auto snapshot = exdm::ParseQueueSnapshot(in.rest(), expected);
  if (!snapshot.ok()) {
    FUZZ_CHECK(!snapshot.status().message().empty(), "a refused snapshot says why");
    return 0;
  }
  FUZZ_CHECK(!snapshot->server.empty(), "a snapshot names its server");
  FUZZ_CHECK(!snapshot->links.empty(), "a snapshot has a line");
  FUZZ_CHECK(snapshot->OldestAgeSeconds() >= 0, "ages are never negative");
  uint64_t messages = 0;
  for (const auto& link : snapshot->links)
    messages += link.message_count;
  FUZZ_CHECK(snapshot->message_count <= messages, "totals come from the links");
  exdm::LocalDeliveryReport report;
  report.server = snapshot->server;
  report.oldest_stalled_first_seen = snapshot->taken_at - 3600;
  report.stalled_deliveries = 1;
  (void)exdm::CompareQueueSources({report}, {*snapshot}, 600);
  return 0;
}
