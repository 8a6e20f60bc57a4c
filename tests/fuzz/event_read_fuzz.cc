// The incremental event reader (exdm/events/evidence.h CollectEventEvidence) over a real file, with
// its row cap made small so that short inputs reach it (issue 22: a 1 GB line was re-parsed after
// every 4 MiB chunk; rows longer than the cap are now one bad row each, their rest skipped).
// Input: byte 0 picks the cap (1..256 bytes), byte 1 where the file has grown to at the first of
// two runs; the rest is the export (its format detected as in production).
// Properties:
// - no crash, no exception, no read past the input (ASan); the saved cursor stays in the file;
// - two runs over a growing file count no more events than one uncapped run over the whole file
//   (the cap only drops rows, never makes them up), for NXLog JSON lines, whose rows are lines;
// - a JSON export whose lines all fit the cap reads the same in two capped runs as in one
//   uncapped run: the cap changes nothing below it.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

#include "exdm/events/evidence.h"
#include "exdm/state/state_file.h"
#include "fuzz_support.h"

namespace {

constexpr int64_t kNow = 1'764'072'000;

struct Counts {
  uint64_t records = 0;
  uint64_t bad_rows = 0;
  uint64_t logon_failures = 0;
};

void Add(const exdm::EventEvidence& ev, Counts& c) {
  for (const auto& s : ev.servers) {
    c.records += s.records;
    c.bad_rows += s.bad_rows;
  }
}

const std::string& Path() {
  static const std::string path = [] {
    char dir[] = "/tmp/exdm-fuzz-event-read-XXXXXX";
    return std::string(mkdtemp(dir) ? dir : "/tmp") + "/EXCH01-application.log";
  }();
  return path;
}

void Write(std::string_view text) {
  std::ofstream out(Path(), std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint64_t cap = 1 + in.Byte();
  const uint8_t split_byte = in.Byte();
  const std::string_view file = in.rest();
  const size_t split = file.size() * split_byte / 255;

  exdm::EventCollectOptions o;
  o.files = {{"EXCH01", Path()}};
  o.now = kNow;
  o.window_start = kNow - 10 * 365 * 86400LL;

  // One uncapped run over the whole file (with state: a growing file's reading).
  Write(file);
  Counts whole;
  exdm::StateSnapshot whole_next;
  auto one = exdm::CollectEventEvidence(o, exdm::StateSnapshot{}, &whole_next, nullptr);
  if (!one.ok()) return 0;
  Add(*one, whole);
  const bool readable = one->file_errors.empty();

  // Two capped runs: the file as it was at the split, then grown to its whole.
  o.max_row_bytes = cap;
  Write(file.substr(0, split));
  Counts parts;
  exdm::StateSnapshot next;
  auto first = exdm::CollectEventEvidence(o, exdm::StateSnapshot{}, &next, nullptr);
  FUZZ_CHECK(first.ok(), "a capped run fails only as an uncapped one does");
  Add(*first, parts);
  for (const auto& c : next.files)
    FUZZ_CHECK(c.offset <= split, "the cursor stays in the file");
  Write(file);
  exdm::StateSnapshot after;
  auto second = exdm::CollectEventEvidence(o, next, &after, nullptr);
  FUZZ_CHECK(second.ok(), "a capped run fails only as an uncapped one does");
  Add(*second, parts);
  for (const auto& c : after.files)
    FUZZ_CHECK(c.offset <= file.size(), "the cursor stays in the file");

  const std::string_view head = file.substr(0, 64 * 1024);
  auto format = exdm::DetectEventFormat(head);
  if (!readable || !format.ok() || *format != exdm::EventFormat::kNxlogJson) return 0;
  // Only the first run's files decide: a file that was still too short to detect, or replaced by
  // its grown self (a new start), is read again from the start and may count its rows again.
  if (!first->file_errors.empty() || split < 3) return 0;
  FUZZ_CHECK(parts.records <= whole.records, "the cap never makes rows up");
  size_t longest = 0, line = 0;
  for (char ch : file) {
    line = ch == '\n' ? 0 : line + 1;
    longest = std::max(longest, line);
  }
  if (longest + 1 < cap) {
    FUZZ_CHECK(parts.records == whole.records, "below the cap, two runs read as one");
    FUZZ_CHECK(parts.bad_rows == whole.bad_rows, "below the cap, two runs read as one");
  }
  return 0;
}
