// The chunk-parallel tracking-log reader (common/tracking/src/parallel_read.h) against the
// one-thread reader, over the generator's logs: RunTrackingAnalysis with threads = 1 and with
// several threads, block sizes and read buffers must give the same report, field by field, and
// write the same state file, byte for byte, including across incremental runs over growing files
// cut in the middle of lines, a column header changing mid-file, lines longer than the read
// buffer, bad lines and a file without a header.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "exdm/base/deadline.h"
#include "exdm/tracking/run.h"
#include "fault_support.h"
#include "paths.h"
#include "run_program.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

namespace fs = std::filesystem;

// Every field of a report, one per line, so a difference names itself.
std::string Describe(const LocalDeliveryReport& r) {
  std::ostringstream o;
  o << "server " << r.server << "\nevaluated_at " << r.evaluated_at << "\nstalled "
    << r.stalled_deliveries << "\noldest_first_seen " << r.oldest_stalled_first_seen.value_or(-1)
    << "\noldest_age " << r.oldest_stalled_age_seconds << "\nin_flight " << r.in_flight
    << "\nretries " << r.retries_total << "\ndeliveries " << r.deliveries_total << "\nended "
    << r.ended_total << "\nvanished " << r.vanished_total << "\noverflow " << r.overflow_total
    << "\nparse_errors " << r.parse_errors_total << "\nlast_event "
    << r.last_event_timestamp.value_or(-1) << "\nlines " << r.lines_read_this_run << "\nbad_lines "
    << r.bad_lines_this_run << "\nbytes " << r.bytes_read_this_run << "\nfiles "
    << r.files_read_this_run << "\nomitted " << r.stalled_recipients_omitted << "\n";
  for (const auto& [id, n] : r.events_total)
    o << "event " << id << " " << n << "\n";
  for (const StalledRecipient& s : r.stalled_recipients) {
    o << "stalled " << s.address << " " << s.deliveries << " " << s.oldest_first_seen << " "
      << s.example_message_id << "\n";
  }
  for (const DeliveredRecipient& d : r.delivered_recipients) {
    o << "delivered " << d.address << " " << d.deliveries << " " << d.first_delivered << " "
      << d.last_delivered << "\n";
  }
  for (const BadLineSample& b : r.bad_line_samples)
    o << "bad " << b.file << " " << b.offset << " " << b.reason << " " << b.excerpt << "\n";
  for (const std::string& e : r.file_errors)
    o << "file_error " << e << "\n";
  for (const std::string& w : r.warnings)
    o << "warning " << w << "\n";
  return o.str();
}

std::string Describe(const Result<TrackingRunResult>& r) {
  if (!r) return "run failed: " + r.status().message() + "\n";
  std::string out;
  for (const LocalDeliveryReport& s : r->servers)
    out += Describe(s);
  for (const std::string& w : r->warnings)
    out += "run warning " + w + "\n";
  return out;
}

struct Reading {
  unsigned threads = 1;
  size_t block = 1u << 20;
  size_t read_chunk = 4u << 20;
  std::string Name() const {
    return std::to_string(threads) + " threads, blocks of " + std::to_string(block) +
           " bytes, read buffer " + std::to_string(read_chunk);
  }
};

Result<TrackingRunResult> Analyze(const std::string& dir, int64_t now, const Reading& how,
                                  const std::string& state = "") {
  TrackingRunOptions o;
  o.dirs = {NamedPath{"EXCH01", dir}};
  o.now = now;
  o.state_path = state;
  o.threads = how.threads;
  o.parallel_min_bytes = 0;  // every stretch through the parallel reader when threads > 1
  o.parallel_block = how.block;
  o.read_chunk = how.read_chunk;
  return RunTrackingAnalysis(o, Deadline::After(std::chrono::minutes(5)));
}

// The generator's logs under dir; returns the evaluation time: just before they end (their end is
// the midnight after the last day, which would leave the first day out of the reading window).
int64_t Generate(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {GeneratorBinary("exdm_gen_tracking"), "--out", dir, "--truth",
                                   dir + ".truth"};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProgramResult r = RunProgram(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& line : SplitLines(ReadWholeFile(dir + ".truth"))) {
    if (line.rfind("end=", 0) == 0) return std::stoll(line.substr(4)) - 1;
  }
  ADD_FAILURE() << "no end= in the generator's truth";
  return 0;
}

// Parallel readings that cut the logs differently: tiny blocks (a cut line in nearly every
// block, many blocks in flight), odd sizes, more threads than cores, a small read buffer.
const std::vector<Reading> kParallel = {
    {2, 4096, 4u << 20}, {3, 65536 + 7, 4u << 20}, {2, 1u << 20, 4u << 20},
    {4, 1000, 4u << 20}, {2, 8192, 65536},
};

// `files`: the day files the reading must find; `stalled`: whether the logs hold a stall.
void ExpectSameAsSerial(const std::string& dir, int64_t now, uint64_t files, bool stalled) {
  for (const size_t chunk : {size_t{4u << 20}, size_t{65536}}) {
    const auto one = Analyze(dir, now, Reading{1, 1u << 20, chunk});
    ASSERT_TRUE(one.ok()) << one.status().message();
    // Substance to compare: every file read, thousands of lines, a stall when there is one.
    const LocalDeliveryReport& r = one->servers.at(0);
    EXPECT_EQ(r.files_read_this_run, files);
    EXPECT_GT(r.lines_read_this_run, 1000u);
    EXPECT_EQ(r.stalled_deliveries > 0, stalled);
    const std::string serial = Describe(one);
    for (const Reading& how : kParallel) {
      if (how.read_chunk != chunk) continue;
      EXPECT_EQ(Describe(Analyze(dir, now, how)), serial) << how.Name();
    }
  }
}

TEST(TrackingParallelRead, SameAsSerialOnGeneratedLogs) {
  struct Variant {
    uint64_t files;
    std::vector<std::string> args;
    bool stalled;  // at the end of the logs
  };
  // Three days of traffic with stalls, NDRs and pairs that go silent.
  const std::vector<std::string> plain = {"--start",
                                          "2026-11-24",
                                          "--days",
                                          "3",
                                          "--bytes",
                                          "600K",
                                          "--seed",
                                          "3",
                                          "--stalled-recipient",
                                          "broken@contoso.com",
                                          "--stall-share",
                                          "0.05",
                                          "--stall-ndr-share",
                                          "0.2",
                                          "--vanish-share",
                                          "0.2"};
  // Windows line ends, a BOM, columns in another order with an extra one, retries without a
  // recipient, trailing fields and bracketed MSGIDs.
  const std::vector<std::string> quirks = {"--start",
                                           "2026-11-24",
                                           "--days",
                                           "2",
                                           "--bytes",
                                           "400K",
                                           "--seed",
                                           "4",
                                           "--crlf",
                                           "--bom",
                                           "--shuffle-columns",
                                           "--extra-column",
                                           "X-Extra",
                                           "--stalled-recipient",
                                           "broken@contoso.com",
                                           "--stall-share",
                                           "0.05",
                                           "--retry-no-recipient",
                                           "0.5",
                                           "--trailing-dash",
                                           "0.5",
                                           "--bracket-share",
                                           "0.5"};
  // A stall that ends: pending deliveries go through at their next retry.
  const std::vector<std::string> recovery = {"--start",
                                             "2026-11-25",
                                             "--days",
                                             "1",
                                             "--bytes",
                                             "500K",
                                             "--seed",
                                             "5",
                                             "--attempt-id",
                                             "1023",
                                             "--stalled-recipient",
                                             "broken@contoso.com",
                                             "--stall-share",
                                             "0.1",
                                             "--stall-end",
                                             "2026-11-25T12:00:00Z"};
  const std::vector<Variant> variants = {{3, plain, true}, {2, quirks, true}, {1, recovery, false}};
  for (size_t i = 0; i < variants.size(); ++i) {
    SCOPED_TRACE("generator variant " + std::to_string(i));
    TempDir tmp("exdm-parallel");
    const std::string dir = tmp.File("EXCH01");
    const int64_t now = Generate(dir, variants[i].args);
    ExpectSameAsSerial(dir, now, variants[i].files, variants[i].stalled);
  }
}

// Copies the first `n` bytes of `from` to `to` (a log growing on the share).
void GrowTo(const std::string& from, const std::string& to, size_t n) {
  const std::string all = ReadWholeFile(from);
  std::ofstream(to, std::ios::binary | std::ios::trunc) << all.substr(0, std::min(n, all.size()));
}

TEST(TrackingParallelRead, SameAsSerialAcrossIncrementalRunsWithState) {
  TempDir tmp("exdm-parallel-inc");
  const std::string source = tmp.File("source");
  const int64_t now =
      Generate(source, {"--start", "2026-11-24", "--days", "3", "--bytes", "500K", "--seed", "8",
                        "--stalled-recipient", "broken@contoso.com", "--stall-share", "0.05",
                        "--vanish-share", "0.3", "--retry-no-recipient", "0.3"});
  std::vector<std::string> days;
  for (const auto& e : fs::directory_iterator(source))
    days.push_back(e.path().filename().string());
  std::sort(days.begin(), days.end());
  ASSERT_EQ(days.size(), 3u);
  const std::string live = tmp.File("live");
  fs::create_directories(live);

  // The files grow in steps that end mid-line, a day's file finishing while the next begins.
  const Reading serial{1, 1u << 20, 4u << 20};
  const Reading parallel{2, 4096 + 3, 4u << 20};
  std::vector<std::pair<size_t, size_t>> steps;  // (day, bytes of it)
  for (size_t d = 0; d < days.size(); ++d) {
    const size_t size = fs::file_size(source + "/" + days[d]);
    for (size_t cut : {size / 7 + 13, size / 3 + 1, size / 2, size - 17, size})
      steps.emplace_back(d, cut);
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto [d, cut] = steps[i];
    SCOPED_TRACE("step " + std::to_string(i) + ": " + days[d] + " at " + std::to_string(cut));
    GrowTo(source + "/" + days[d], live + "/" + days[d], cut);
    const std::string a = Describe(Analyze(live, now, serial, tmp.File("serial.state")));
    const std::string b = Describe(Analyze(live, now, parallel, tmp.File("parallel.state")));
    ASSERT_EQ(a.find("run failed"), std::string::npos) << a;
    ASSERT_EQ(a.find("file_error"), std::string::npos) << a;
    EXPECT_EQ(b, a);
    EXPECT_EQ(ReadWholeFile(tmp.File("parallel.state")), ReadWholeFile(tmp.File("serial.state")))
        << "the state files differ";
  }
}

TEST(TrackingParallelRead, HeaderChangingMidFileLongLinesAndBadLines) {
  TempDir tmp("exdm-parallel-edge");
  const int64_t now = Generate(tmp.File("a"), {"--start", "2026-11-24", "--bytes", "300K", "--seed",
                                               "11", "--stalled-recipient", "broken@contoso.com",
                                               "--stall-share", "0.1", "--end-hour", "12"});
  Generate(tmp.File("b"), {"--start", "2026-11-24", "--bytes", "300K", "--seed", "12",
                           "--shuffle-columns", "--extra-column", "Y", "--stalled-recipient",
                           "broken@contoso.com", "--stall-share", "0.1"});
  const std::string a = ReadWholeFile(tmp.File("a/20261124.log"));
  const std::string b = ReadWholeFile(tmp.File("b/20261124.log"));
  // The first log, a service restart writing the second log's header (other columns) and rows,
  // a comment, lines far longer than a 64 KiB read buffer (valid rows with a huge field among
  // them), one exactly at that length, and bad lines in between.
  const size_t row_at = a.find("\n2026") + 1;
  const std::string first_row = a.substr(row_at, a.find('\n', row_at) - row_at);
  std::string log = a.substr(0, a.size() / 2);
  log = log.substr(0, log.rfind('\n') + 1);
  log += "# a comment line\nnot\ta\trow\n";
  log += std::string(200 * 1024, 'x') + "\n";
  log += first_row + std::string(150 * 1024, 's') + "\n";
  // A row whose third field alone outgrows the buffer: cut there it has too few fields.
  const size_t third = first_row.find('\t', first_row.find('\t') + 1) + 1;
  log += first_row.substr(0, third) + std::string(70 * 1024, 'c') + first_row.substr(third) + "\n";
  log += std::string(65535, 'y') + "\n";
  log += std::string(65536, 'z') + "\n";
  log += b;
  log += "2026-11-24\tbad time\n" + a.substr(a.size() / 2);
  log += std::string(100 * 1024, 'w');  // unterminated at the end of the last file
  const std::string dir = tmp.File("EXCH01");
  fs::create_directories(dir);
  std::ofstream(dir + "/20261124.log", std::ios::binary) << log;
  std::ofstream(dir + "/20261123.log", std::ios::binary) << b.substr(b.find("\n2026") + 1);
  ExpectSameAsSerial(dir, now, 2, true);
}

}  // namespace
}  // namespace exdm::testing
