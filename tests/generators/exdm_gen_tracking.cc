// exdm_gen_tracking: writes Exchange 2003 message tracking logs (one YYYYMMDD.log per UTC day)
// mixing healthy traffic with stalled local deliveries, deterministically from a seed. Sizes range
// from a few lines to gigabytes: rows are formatted by hand into a large buffer written with
// write(2), so the generator is never the bottleneck of a benchmark. See --help for the options and
// the ground truth it can write beside the logs (--truth).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "exdm/base/time_util.h"

namespace {

constexpr const char kHelp[] = R"(Usage: exdm_gen_tracking --out DIR [options]
Writes Exchange 2003 message tracking logs (DIR/YYYYMMDD.log, one per UTC day, GMT times, dates
and hours not zero padded, '-' for empty) with healthy traffic (1019 -> 1033 -> 1036 -> 1028/1023
local, 1019 -> 1033 -> 1034 -> 1031 remote, 1030 NDRs, 1021 badmail, a few other IDs) and stalled
local deliveries (an attempt, 1028 or 1023, plus 1037 at the same second, repeated every retry
interval). Same options and seed, same bytes.

Size and time
  --out DIR                output directory (created with its parents)
  --seed N                 random seed (default 1)
  --start YYYY-MM-DD       first day (default 2026-11-24)
  --days N                 number of day files (default 1)
  --messages N             messages per day (default 200), spread evenly over the day
  --bytes SIZE             instead of --messages: about SIZE bytes per day file (K, M, G
                           suffixes, powers of 1024); time advances with the bytes written
  --end-hour H             new messages stop at this hour of each day (default 24); the log
                           ends at that hour of the last day, retries of stalls included
Traffic mix
  --server NAME            server name (default EXCH01); MSGIDs end in @NAME.<domain>
  --domain D               local domain (default contoso.com)
  --recipient ADDR         a local recipient (repeatable; default user0001..user0200@D)
  --users N                generated local recipients when none is given (default 200)
  --stalled-recipient ADDR mail to ADDR stalls (repeatable; ADDR may be outside --recipient,
                           e.g. users homed on the broken store, found via mail/proxyAddresses)
  --stall-share F          fraction of messages sent to a stalled recipient (default 0.01)
  --stall-start TIME       stalls begin at this UTC time (ISO 8601; default: the start)
  --stall-end TIME         from then on the stalled recipients take mail again: pending stalls
                           are delivered at their next retry (default: never)
  --stall-ndr-share F      fraction of stalled messages NDR'd (1030) after a few retries
                           (default 0)
  --vanish-share F         fraction of stalled messages that go silent after a few retries
                           (deleted without NDR; default 0)
  --retry-interval SEC     local delivery retry interval (default 300, the KB article's 5 min)
  --attempt-id ID          1028, 1023 or both (default both: chosen per message)
  --retry-no-recipient F   fraction of stalled messages whose 1037 row carries '-' as the
                           recipient (one row for all its recipients; default 0)
  --remote-share F         fraction of remote messages (default 0.3)
  --ndr-share F            fraction of local messages NDR'd at once (default 0.01)
  --badmail-share F        fraction of messages sent to badmail (default 0.002)
  --max-recipients N       recipients per message, 1..N (default 3)
Format knobs
  --crlf                   CRLF line ends (as the files come from Windows)
  --bom                    start each file with a UTF-8 byte order mark
  --shuffle-columns        permute the columns (the header names them)
  --extra-column NAME      add a column with this name (repeatable)
  --no-header              omit the '#' header lines (a broken file)
  --trailing-dash F        fraction of rows with an extra trailing '-' field (default 0.2)
  --bracket-share F        fraction of MSGIDs written with <> (default 0.05)
Output
  --truth FILE             write the ground truth as key=value lines: stalled_deliveries,
                           vanished, retries, oldest_stalled_first_seen, deliveries, end (UNIX
                           seconds, where the log ends), messages, lines, and
                           stalled_recipient.<addr>=<count>
  -h, --help               this help
)";

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "exdm_gen_tracking: " << message << "\n";
  std::exit(2);
}

// splitmix64: tiny, fast, and the same sequence everywhere.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return p > 0 && Unit() < p; }
  uint64_t Below(uint64_t n) { return n ? Next() % n : 0; }
};

const char* const kStandardColumns[] = {"Date",
                                        "Time",
                                        "client-ip",
                                        "Client-hostname",
                                        "Partner-Name",
                                        "Server-hostname",
                                        "server-IP",
                                        "Recipient-Address",
                                        "Event-ID",
                                        "MSGID",
                                        "Priority",
                                        "Recipient-Report-Status",
                                        "total-bytes",
                                        "Number-Recipients",
                                        "Origination-Time",
                                        "Encryption",
                                        "service-Version",
                                        "Linked-MSGID",
                                        "Message-Subject",
                                        "Sender-Address"};
enum Col {
  kDate,
  kTime,
  kClientIp,
  kClientHost,
  kPartner,
  kServerHost,
  kServerIp,
  kRecipient,
  kEventId,
  kMsgid,
  kPriority,
  kReportStatus,
  kTotalBytes,
  kNumRecipients,
  kOrigTime,
  kEncryption,
  kVersion,
  kLinked,
  kSubject,
  kSender,
  kStandardCount
};

struct Options {
  std::string out;
  uint64_t seed = 1;
  int64_t start_day = exdm::DaysFromCivil(2026, 11, 24);
  int days = 1;
  uint64_t messages = 200;
  uint64_t bytes = 0;
  int end_hour = 24;
  std::string server = "EXCH01";
  std::string domain = "contoso.com";
  std::vector<std::string> recipients;
  int users = 200;
  std::vector<std::string> stalled;
  double stall_share = 0.01;
  int64_t stall_start = INT64_MIN;
  int64_t stall_end = INT64_MAX;
  double stall_ndr_share = 0;
  double vanish_share = 0;
  int64_t retry_interval = 300;
  int attempt_id = 0;  // 0: both
  double retry_no_recipient = 0;
  double remote_share = 0.3;
  double ndr_share = 0.01;
  double badmail_share = 0.002;
  int max_recipients = 3;
  bool crlf = false, bom = false, shuffle = false, no_header = false;
  std::vector<std::string> extra_columns;
  double trailing_dash = 0.2;
  double bracket_share = 0.05;
  std::string truth;
};

uint64_t ParseSize(const std::string& s) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno || end == s.c_str() || v < 0) Die("bad size '" + s + "'");
  double mult = 1;
  switch (*end) {
    case 'k':
    case 'K':
      mult = 1024.0;
      break;
    case 'm':
    case 'M':
      mult = 1024.0 * 1024;
      break;
    case 'g':
    case 'G':
      mult = 1024.0 * 1024 * 1024;
      break;
    case '\0':
      break;
    default:
      Die("bad size suffix in '" + s + "'");
  }
  return static_cast<uint64_t>(v * mult);
}

int64_t ParseTime(const std::string& s) {
  auto t = exdm::ParseIso8601(s);
  if (!t) Die("bad time '" + s + "' (ISO 8601 expected)");
  return *t;
}

Options Parse(int argc, char** argv) {
  Options o;
  auto need = [&](int& i) -> std::string {
    if (i + 1 >= argc) Die(std::string("missing value for ") + argv[i]);
    return argv[++i];
  };
  auto num = [](const std::string& s) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end) Die("bad number '" + s + "'");
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kHelp;
      std::exit(0);
    } else if (a == "--out")
      o.out = need(i);
    else if (a == "--seed")
      o.seed = static_cast<uint64_t>(num(need(i)));
    else if (a == "--start")
      o.start_day = ParseTime(need(i)) / 86400;
    else if (a == "--days")
      o.days = static_cast<int>(num(need(i)));
    else if (a == "--messages")
      o.messages = static_cast<uint64_t>(num(need(i)));
    else if (a == "--bytes")
      o.bytes = ParseSize(need(i));
    else if (a == "--end-hour")
      o.end_hour = static_cast<int>(num(need(i)));
    else if (a == "--server")
      o.server = need(i);
    else if (a == "--domain")
      o.domain = need(i);
    else if (a == "--recipient")
      o.recipients.push_back(need(i));
    else if (a == "--users")
      o.users = static_cast<int>(num(need(i)));
    else if (a == "--stalled-recipient")
      o.stalled.push_back(need(i));
    else if (a == "--stall-share")
      o.stall_share = num(need(i));
    else if (a == "--stall-start")
      o.stall_start = ParseTime(need(i));
    else if (a == "--stall-end")
      o.stall_end = ParseTime(need(i));
    else if (a == "--stall-ndr-share")
      o.stall_ndr_share = num(need(i));
    else if (a == "--vanish-share")
      o.vanish_share = num(need(i));
    else if (a == "--retry-interval")
      o.retry_interval = static_cast<int64_t>(num(need(i)));
    else if (a == "--attempt-id") {
      const std::string v = need(i);
      o.attempt_id = v == "both" ? 0 : static_cast<int>(num(v));
      if (o.attempt_id != 0 && o.attempt_id != 1028 && o.attempt_id != 1023) {
        Die("--attempt-id: 1028, 1023 or both");
      }
    } else if (a == "--retry-no-recipient")
      o.retry_no_recipient = num(need(i));
    else if (a == "--remote-share")
      o.remote_share = num(need(i));
    else if (a == "--ndr-share")
      o.ndr_share = num(need(i));
    else if (a == "--badmail-share")
      o.badmail_share = num(need(i));
    else if (a == "--max-recipients")
      o.max_recipients = std::max(1, static_cast<int>(num(need(i))));
    else if (a == "--crlf")
      o.crlf = true;
    else if (a == "--bom")
      o.bom = true;
    else if (a == "--shuffle-columns")
      o.shuffle = true;
    else if (a == "--extra-column")
      o.extra_columns.push_back(need(i));
    else if (a == "--no-header")
      o.no_header = true;
    else if (a == "--trailing-dash")
      o.trailing_dash = num(need(i));
    else if (a == "--bracket-share")
      o.bracket_share = num(need(i));
    else if (a == "--truth")
      o.truth = need(i);
    else
      Die("unknown option '" + a + "' (see --help)");
  }
  if (o.out.empty()) Die("--out DIR is required (see --help)");
  if (o.days < 1) Die("--days must be at least 1");
  if (o.retry_interval < 1) Die("--retry-interval must be positive");
  if (o.recipients.empty()) {
    char buf[64];
    for (int u = 1; u <= o.users; ++u) {
      std::snprintf(buf, sizeof buf, "user%04d@", u);
      o.recipients.push_back(buf + o.domain);
    }
  }
  if (o.stall_start == INT64_MIN) o.stall_start = o.start_day * 86400;
  return o;
}

// Appends formatted rows to a large buffer and writes it out in big chunks, one file per UTC day.
class DayWriter {
 public:
  DayWriter(const Options& o, std::vector<int> order) : o_(o), order_(std::move(order)) {
    buf_.reserve(kChunk + 65536);
  }
  ~DayWriter() { Close(); }

  // Switches to the file of `day` when the row belongs to a later day.
  void Row(int64_t t, const std::string_view (&fields)[kStandardCount], bool trailing_dash) {
    const int64_t day = FloorDiv(t, 86400);
    if (fd_ < 0 || day > day_) Open(day);
    for (size_t i = 0; i < order_.size(); ++i) {
      if (i) buf_.push_back('\t');
      const int c = order_[i];
      if (c < 0) {
        buf_.push_back('-');
      } else if (c == kDate) {
        AppendDate(t);
      } else if (c == kTime) {
        AppendTime(t);
        buf_.append(" GMT");
      } else {
        const std::string_view v = fields[c];
        if (v.empty())
          buf_.push_back('-');
        else
          buf_.append(v.data(), v.size());
      }
    }
    if (trailing_dash) buf_.append("\t-");
    if (o_.crlf) buf_.push_back('\r');
    buf_.push_back('\n');
    ++lines_;
    if (buf_.size() >= kChunk) Flush();
  }

  uint64_t total_bytes() const { return total_bytes_ + buf_.size(); }
  int64_t day() const { return day_; }
  uint64_t lines() const { return lines_; }

  void AppendDate(int64_t t) {
    const exdm::CivilDate d = exdm::CivilFromDays(FloorDiv(t, 86400));
    AppendUint(static_cast<uint64_t>(d.year));
    buf_.push_back('-');
    AppendUint(d.month);
    buf_.push_back('-');
    AppendUint(d.day);
  }
  void AppendTime(int64_t t) {
    const int64_t s = t - FloorDiv(t, 86400) * 86400;
    AppendUint(static_cast<uint64_t>(s / 3600));
    buf_.push_back(':');
    Append2(static_cast<unsigned>(s / 60 % 60));
    buf_.push_back(':');
    Append2(static_cast<unsigned>(s % 60));
  }
  std::string& scratch() { return scratch_; }

  void Close() {
    if (fd_ >= 0) {
      Flush();
      if (::close(fd_) != 0) Die("close: " + std::string(std::strerror(errno)));
      fd_ = -1;
    }
  }

  static int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

 private:
  static constexpr size_t kChunk = 4u << 20;

  void AppendUint(uint64_t v) {
    char tmp[24];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (n)
      buf_.push_back(tmp[--n]);
  }
  void Append2(unsigned v) {
    buf_.push_back(static_cast<char>('0' + v / 10));
    buf_.push_back(static_cast<char>('0' + v % 10));
  }

  void Open(int64_t day) {
    Close();
    day_ = day;
    const exdm::CivilDate d = exdm::CivilFromDays(day);
    char name[32];
    std::snprintf(name, sizeof name, "/%04lld%02u%02u.log", static_cast<long long>(d.year), d.month,
                  d.day);
    const std::string path = o_.out + name;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) Die(path + ": " + std::strerror(errno));
    const char* eol = o_.crlf ? "\r\n" : "\n";
    if (o_.bom) buf_.append("\xEF\xBB\xBF");
    if (!o_.no_header) {
      buf_.append("# Message Tracking Log File").append(eol);
      buf_.append("# Exchange System Attendant Version 6.5.7638.1").append(eol);
      buf_.append("# ");
      for (size_t i = 0; i < order_.size(); ++i) {
        if (i) buf_.push_back('\t');
        const int c = order_[i];
        buf_.append(c >= 0 ? kStandardColumns[c]
                           : o_.extra_columns[static_cast<size_t>(-c - 1)].c_str());
      }
      buf_.append(eol);
    }
  }

  void Flush() {
    size_t off = 0;
    while (off < buf_.size()) {
      const ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        Die("write: " + std::string(std::strerror(errno)));
      }
      off += static_cast<size_t>(n);
    }
    total_bytes_ += buf_.size();
    buf_.clear();
  }

  const Options& o_;
  std::vector<int> order_;  // column index, or -(k+1) for extra column k
  std::string buf_;
  std::string scratch_;
  int fd_ = -1;
  int64_t day_ = INT64_MIN;
  uint64_t total_bytes_ = 0;
  uint64_t lines_ = 0;
};

struct Message {
  std::string msgid;  // as written (maybe with <>)
  std::vector<std::string> recipients;
  std::string sender;
  std::string subject;
  std::string orig_time;
  std::string bytes;
  int attempt_id;
  bool retry_without_recipient;
};

// A stalled message waiting for its next retry.
struct Pending {
  int64_t at;
  uint64_t seq;
  size_t index;  // into the stalled message store
  bool operator>(const Pending& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

enum class StallFate { kForever, kNdr, kVanish };

struct StalledMessage {
  Message m;
  StallFate fate;
  int retries_left;  // for kNdr / kVanish
  int64_t first_seen;
  int64_t last_retry = 0;
};

class Generator {
 public:
  explicit Generator(const Options& o)
      : o_(o), rng_{o.seed * 0x2545F4914F6CDD1DULL + 1}, writer_(o, ColumnOrder()) {}

  void Run() {
    const int64_t begin = o_.start_day * 86400;
    const int64_t end = begin + static_cast<int64_t>(o_.days) * 86400;
    for (int d = 0; d < o_.days; ++d) {
      const int64_t day_start = begin + d * 86400;
      const int64_t active = std::min<int64_t>(86400, o_.end_hour * 3600);
      if (o_.bytes) {
        // Time advances with the bytes written, so the file ends up near --bytes.
        // Counted on the writer's running total, not per file: rows of a message may spill into
        // the next day's file, and the loop must still end.
        const uint64_t day_begin = writer_.total_bytes();
        while (true) {
          const uint64_t written = writer_.total_bytes() - day_begin;
          if (written >= o_.bytes) break;
          const int64_t t =
              day_start +
              std::min<int64_t>(active - 1, static_cast<int64_t>(static_cast<double>(written) /
                                                                 static_cast<double>(o_.bytes) *
                                                                 static_cast<double>(active)));
          NewMessage(t);
        }
      } else {
        for (uint64_t i = 0; i < o_.messages; ++i) {
          const int64_t t = day_start + static_cast<int64_t>(i * static_cast<uint64_t>(active) /
                                                             std::max<uint64_t>(1, o_.messages));
          NewMessage(t);
        }
      }
    }
    // The log ends at --end-hour of the last day, as a live log ends "now" rather than reaching
    // into the future; retries of stalled deliveries go on until then.
    const int64_t log_end = std::min<int64_t>(end, end - 86400 + o_.end_hour * 3600);
    DrainRetries(log_end - 1);
    writer_.Close();
    WriteTruth(log_end);
  }

 private:
  std::vector<int> ColumnOrder() {
    std::vector<int> order;
    for (int c = 0; c < kStandardCount; ++c)
      order.push_back(c);
    for (size_t k = 0; k < o_.extra_columns.size(); ++k)
      order.push_back(-static_cast<int>(k) - 1);
    if (o_.shuffle) {
      Rng r{o_.seed ^ 0xC0FFEEULL};
      for (size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1], order[r.Below(i)]);
    }
    return order;
  }

  std::string MakeMsgid() {
    char buf[96];
    std::snprintf(
        buf, sizeof buf, "%016llx%04llx@%s.%s", static_cast<unsigned long long>(rng_.Next()),
        static_cast<unsigned long long>(++msg_seq_ & 0xffff), o_.server.c_str(), o_.domain.c_str());
    if (rng_.Chance(o_.bracket_share)) return "<" + std::string(buf) + ">";
    return buf;
  }

  std::string OrigTime(int64_t t) {
    std::string& s = writer_.scratch();
    s.clear();
    const exdm::CivilDate d = exdm::CivilFromDays(DayWriter::FloorDiv(t, 86400));
    const int64_t sec = t - DayWriter::FloorDiv(t, 86400) * 86400;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld-%u-%u %lld:%02lld:%02lld GMT",
                  static_cast<long long>(d.year), d.month, d.day,
                  static_cast<long long>(sec / 3600), static_cast<long long>(sec / 60 % 60),
                  static_cast<long long>(sec % 60));
    return buf;
  }

  void Emit(int64_t t, const Message& m, std::string_view recipient, int event_id,
            bool remote = false) {
    char id[8];
    std::snprintf(id, sizeof id, "%d", event_id);
    char nrcpt[8];
    std::snprintf(nrcpt, sizeof nrcpt, "%zu", m.recipients.size());
    std::string_view f[kStandardCount];
    f[kClientIp] = event_id == 1019 ? std::string_view("198.51.100.25") : std::string_view();
    f[kClientHost] =
        event_id == 1019 ? std::string_view("mx.fabrikam.example") : std::string_view();
    f[kPartner] = remote ? std::string_view("smtp.fabrikam.example") : std::string_view();
    f[kServerHost] = server_fqdn_;
    f[kServerIp] = "192.0.2.10";
    f[kRecipient] = recipient;
    f[kEventId] = id;
    f[kMsgid] = m.msgid;
    f[kPriority] = "0";
    f[kReportStatus] = "0";
    f[kTotalBytes] = m.bytes;
    f[kNumRecipients] = nrcpt;
    f[kOrigTime] = m.orig_time;
    f[kEncryption] = "0";
    f[kVersion] = "Version: 6.0.3790.1830";
    f[kLinked] = std::string_view();
    f[kSubject] = m.subject;
    f[kSender] = m.sender;
    writer_.Row(t, f, rng_.Chance(o_.trailing_dash));
    if (event_id == 1037) ++truth_retries_;
  }

  int AttemptId() { return o_.attempt_id ? o_.attempt_id : (rng_.Chance(0.5) ? 1028 : 1023); }

  void NewMessage(int64_t t) {
    DrainRetries(t);
    Message m;
    m.msgid = MakeMsgid();
    m.orig_time = OrigTime(t - 2);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%llu",
                  static_cast<unsigned long long>(800 + rng_.Below(60000)));
    m.bytes = buf;
    std::snprintf(buf, sizeof buf, "sender%llu@fabrikam.example",
                  static_cast<unsigned long long>(rng_.Below(500)));
    m.sender = buf;
    static const char* const kSubjects[] = {"Status", "Re: quarterly numbers", "Meeting notes",
                                            "Invoice 4711", "Fwd: schedule"};
    m.subject = kSubjects[rng_.Below(5)];
    m.attempt_id = AttemptId();
    m.retry_without_recipient = false;
    ++truth_messages_;

    const bool stall_window = t >= o_.stall_start && t < o_.stall_end;
    if (!o_.stalled.empty() && stall_window && rng_.Chance(o_.stall_share)) {
      StartStall(t, std::move(m));
      return;
    }
    const double r = rng_.Unit();
    const size_t n = 1 + rng_.Below(static_cast<uint64_t>(o_.max_recipients));
    if (r < o_.remote_share) {
      for (size_t i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "contact%llu@partner%llu.example",
                      static_cast<unsigned long long>(rng_.Below(1000)),
                      static_cast<unsigned long long>(rng_.Below(40)));
        m.recipients.emplace_back(buf);
      }
      for (auto& rc : m.recipients)
        Emit(t, m, rc, 1019);
      for (auto& rc : m.recipients)
        Emit(t, m, rc, 1033);
      for (auto& rc : m.recipients)
        Emit(t + 1, m, rc, 1034);
      Emit(t + 1, m, m.recipients[0], 1020, true);
      for (auto& rc : m.recipients)
        Emit(t + 2, m, rc, 1031, true);
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      m.recipients.push_back(o_.recipients[rng_.Below(o_.recipients.size())]);
    }
    std::sort(m.recipients.begin(), m.recipients.end());
    m.recipients.erase(std::unique(m.recipients.begin(), m.recipients.end()), m.recipients.end());
    if (r < o_.remote_share + o_.badmail_share) {
      Emit(t, m, m.recipients[0], 1019);
      Emit(t + 1, m, std::string_view(), 1021);
      return;
    }
    for (auto& rc : m.recipients)
      Emit(t, m, rc, 1019);
    if (rng_.Chance(0.02)) Emit(t, m, m.recipients[0], 1025);  // an ID counted as "other"/known
    for (auto& rc : m.recipients)
      Emit(t, m, rc, 1033);
    for (auto& rc : m.recipients)
      Emit(t, m, rc, 1036);
    if (rng_.Chance(o_.ndr_share)) {
      for (auto& rc : m.recipients)
        Emit(t + 1, m, rc, 1030);
      return;
    }
    for (auto& rc : m.recipients) {
      Emit(t + 1, m, rc, m.attempt_id);
      ++truth_deliveries_;
    }
  }

  void StartStall(int64_t t, Message m) {
    // One or two stalled recipients, sometimes with a healthy local one beside them.
    const size_t n = 1 + rng_.Below(std::min<uint64_t>(2, o_.stalled.size()));
    for (size_t i = 0; i < n; ++i)
      m.recipients.push_back(o_.stalled[rng_.Below(o_.stalled.size())]);
    std::sort(m.recipients.begin(), m.recipients.end());
    m.recipients.erase(std::unique(m.recipients.begin(), m.recipients.end()), m.recipients.end());
    m.retry_without_recipient = rng_.Chance(o_.retry_no_recipient);
    for (auto& rc : m.recipients)
      Emit(t, m, rc, 1019);
    for (auto& rc : m.recipients)
      Emit(t, m, rc, 1033);
    for (auto& rc : m.recipients)
      Emit(t, m, rc, 1036);
    StalledMessage s;
    s.m = std::move(m);
    s.first_seen = t;
    s.fate = StallFate::kForever;
    s.retries_left = 0;
    if (rng_.Chance(o_.stall_ndr_share)) {
      s.fate = StallFate::kNdr;
      s.retries_left = 1 + static_cast<int>(rng_.Below(6));
    } else if (rng_.Chance(o_.vanish_share)) {
      s.fate = StallFate::kVanish;
      s.retries_left = 1 + static_cast<int>(rng_.Below(6));
    }
    stalled_msgs_.push_back(std::move(s));
    const size_t index = stalled_msgs_.size() - 1;
    RetryRound(t + 1, index);
  }

  // One attempt per recipient and the retry rows at the same second.
  void RetryRound(int64_t t, size_t index) {
    StalledMessage& s = stalled_msgs_[index];
    if (t >= o_.stall_end) {  // the store takes mail again
      for (auto& rc : s.m.recipients)
        Emit(t, s.m, rc, s.m.attempt_id);
      s.fate = StallFate::kForever;
      s.retries_left = -1;  // delivered
      return;
    }
    for (auto& rc : s.m.recipients) {
      Emit(t, s.m, rc, s.m.attempt_id);
      if (!s.m.retry_without_recipient) Emit(t, s.m, rc, 1037);
    }
    if (s.m.retry_without_recipient) Emit(t, s.m, std::string_view(), 1037);
    s.last_retry = t;
    if (s.fate != StallFate::kForever && --s.retries_left <= 0) {
      if (s.fate == StallFate::kNdr) {
        for (auto& rc : s.m.recipients)
          Emit(t + o_.retry_interval, s.m, rc, 1030);
        s.retries_left = -1;
      }
      return;  // vanished: never heard of again
    }
    retries_.push(Pending{t + o_.retry_interval, ++pending_seq_, index});
  }

  void DrainRetries(int64_t upto) {
    while (!retries_.empty() && retries_.top().at <= upto) {
      const Pending p = retries_.top();
      retries_.pop();
      RetryRound(p.at, p.index);
    }
  }

  void WriteTruth(int64_t end) {
    if (o_.truth.empty()) return;
    uint64_t stalled = 0, vanished = 0;
    int64_t oldest = 0;
    std::map<std::string, uint64_t> per_recipient;
    for (const StalledMessage& s : stalled_msgs_) {
      if (s.retries_left < 0) continue;  // delivered or NDR'd
      // Pairs silent for more than the analyzer's default vanish interval (2 h) are not stalled.
      if (s.fate == StallFate::kVanish && end - s.last_retry > 7200) {
        vanished += s.m.recipients.size();
        continue;
      }
      stalled += s.m.recipients.size();
      if (oldest == 0 || s.first_seen < oldest) oldest = s.first_seen;
      for (auto& rc : s.m.recipients)
        ++per_recipient[rc];
    }
    std::ofstream out(o_.truth);
    out << "stalled_deliveries=" << stalled << "\n"
        << "vanished=" << vanished << "\n"
        << "retries=" << truth_retries_ << "\n"
        << "oldest_stalled_first_seen=" << oldest << "\n"
        << "deliveries=" << truth_deliveries_ << "\n"
        << "end=" << end << "\n"
        << "messages=" << truth_messages_ << "\n"
        << "lines=" << writer_.lines() << "\n";
    for (auto& [rc, n] : per_recipient)
      out << "stalled_recipient." << rc << "=" << n << "\n";
    if (!out) Die(o_.truth + ": cannot write");
  }

  const Options& o_;
  Rng rng_;
  DayWriter writer_;
  std::string server_fqdn_ = o_.server + "." + o_.domain;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> retries_;
  uint64_t pending_seq_ = 0;
  uint64_t msg_seq_ = 0;
  uint64_t truth_retries_ = 0;
  uint64_t truth_deliveries_ = 0;
  uint64_t truth_messages_ = 0;

  std::vector<StalledMessage> stalled_msgs_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  for (size_t pos = o.out.find('/', 1);; pos = o.out.find('/', pos + 1)) {  // mkdir -p
    const std::string dir = o.out.substr(0, pos);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) Die(dir + ": " + std::strerror(errno));
    if (pos == std::string::npos) break;
  }
  Generator g(o);
  g.Run();
  return 0;
}
