// Consumer payloads inside state files (exdm/state_file.h): the tracking analyzer's
// (LocalDeliveryAnalyzer::LoadPayload) and the event evidence's (CollectEventEvidence with a
// previous snapshot). Both come from disk, so both must survive any bytes.
// Input: byte 0 picks the payload kind; the rest is the payload (seeds: tests/fuzz/make_seeds).
// Properties: a payload either loads or is refused (never a crash or an unbounded allocation);
// one that loads saves back to bytes that load and save identically; the restored analyzer
// keeps working on more log lines.
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/events/evidence.h"
#include "exdm/state/state_file.h"
#include "exdm/tracking/local_delivery.h"
#include "fuzz_support.h"

namespace {

constexpr int64_t kNow = 1'795'651'200;  // 2026-11-26 00:00:00 UTC

constexpr std::string_view kMoreLines =
    "# Date\tTime\tclient-ip\tClient-hostname\tPartner-Name\tServer-hostname\tserver-IP\t"
    "Recipient-Address\tEvent-ID\tMSGID\tPriority\tRecipient-Report-Status\ttotal-bytes\t"
    "Number-Recipients\tOrigination-Time\tEncryption\tservice-Version\tLinked-MSGID\t"
    "Message-Subject\tSender-Address\n"
    "2026-11-25\t23:0:00 GMT\t-\t-\t-\tEXCH01\t-\tuser0@contoso.com\t1036\th00@EXCH01\t0\t0\t"
    "4512\t1\t-\t0\t-\t-\t-\tsender@fabrikam.example\n"
    "2026-11-25\t23:0:01 GMT\t-\t-\t-\tEXCH01\t-\tuser0@contoso.com\t1028\th00@EXCH01\t0\t0\t"
    "4512\t1\t-\t0\t-\t-\t-\tsender@fabrikam.example\n";

void Tracking(std::string_view payload) {
  exdm::LocalDeliveryConfig config;
  config.max_in_flight = 1024;
  exdm::LocalDeliveryAnalyzer a("EXCH01", config);
  if (!a.LoadPayload(payload).ok()) return;
  const std::string saved = a.SavePayload();
  exdm::LocalDeliveryAnalyzer b("EXCH01", config);
  FUZZ_CHECK(b.LoadPayload(saved).ok(), "a saved tracking payload loads");
  FUZZ_CHECK(b.SavePayload() == saved, "tracking payload round trip is stable");
  a.Evaluate(kNow);
  std::vector<char> buf(kMoreLines.size() + exdm::LocalDeliveryAnalyzer::kPadding, '\0');
  std::memcpy(buf.data(), kMoreLines.data(), kMoreLines.size());
  a.BeginFile("20261125.log", 0);
  a.Consume(buf.data(), kMoreLines.size(), /*final=*/true);
  a.Evaluate(kNow);
}

void Events(std::string_view payload) {
  exdm::EventCollectOptions options;
  // A file that does not exist: the carried evidence and marks pass through unchanged.
  options.files = {{"EXCH01", "/nonexistent/exdm-fuzz/EXCH01.csv"}};
  options.now = kNow;
  options.window_start = kNow - 3600;
  exdm::StateSnapshot previous;
  previous.payload = std::string(payload);
  exdm::StateSnapshot next;
  auto first = exdm::CollectEventEvidence(options, previous, &next);
  FUZZ_CHECK(first.ok(), "a bad event payload is never fatal");
  exdm::StateSnapshot again;
  auto second = exdm::CollectEventEvidence(options, next, &again);
  FUZZ_CHECK(second.ok(), "a saved event payload loads");
  FUZZ_CHECK(again.payload == next.payload, "event payload round trip is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  if (in.Byte() & 1) {
    Events(in.rest());
  } else {
    Tracking(in.rest());
  }
  return 0;
}
