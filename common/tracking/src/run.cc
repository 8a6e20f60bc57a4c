#include "exdm/tracking/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

#include "exdm/base/bounded_call.h"
#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"
#include "exdm/state/location.h"
#include "exdm/state/state_file.h"

namespace exdm {

namespace {

constexpr uint64_t kRunPayloadVersion = 1;
constexpr size_t kHeadRead = 64 * 1024;
constexpr int64_t kFutureTolerance = 3600;
constexpr unsigned kMaxReadThreads = 4;

std::string Errno() {
  return std::strerror(errno);
}

struct DayFile {
  int64_t day;
  std::string name;
  std::string path;
};

// Lists YYYYMMDD.log files of the window, oldest first. Errors are per-server messages.
Result<std::vector<DayFile>> ListWindow(const std::string& dir, int64_t today, int lookback,
                                        bool& any_log) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Status(ErrorCode::kIoError, "tracking directory " + dir + ": " + Errno());
  std::vector<DayFile> out;
  any_log = false;
  while (const dirent* e = ::readdir(d)) {
    auto day = TrackingLogDay(e->d_name);
    if (!day) continue;
    any_log = true;
    if (*day < today - lookback || *day > today + 1) continue;
    out.push_back(DayFile{*day, e->d_name, dir + "/" + e->d_name});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const DayFile& a, const DayFile& b) {
    return a.day != b.day ? a.day < b.day : a.name < b.name;
  });
  return out;
}

struct ServerWork {
  NamedPath input;
  LocalDeliveryAnalyzer analyzer;
};

struct WorkOutput {
  std::vector<LocalDeliveryReport> reports;
  StateSnapshot snapshot;
};

ssize_t ReadSome(int fd, char* buf, size_t n) {
  while (true) {
    const ssize_t r = ::read(fd, buf, n);
    if (r >= 0 || errno != EINTR) return r;
  }
}

// How many threads read a large stretch of one file.
unsigned ReadThreads(unsigned asked) {
  if (asked) return asked;
  return std::clamp(std::thread::hardware_concurrency(), 1u, kMaxReadThreads);
}

// Reads one file from the plan's offset to its end into the analyzer. Returns the new offset.
// A large stretch known at open (`size`) goes through ReadRange on several threads first; what
// is left, and whatever was appended meanwhile, is read here one buffer at a time.
Result<uint64_t> ReadFile(int fd, const DayFile& f, uint64_t start, uint64_t size, bool final,
                          LocalDeliveryAnalyzer& a, std::vector<char>& buf,
                          const TrackingRunOptions& o, const std::atomic<bool>& cancelled) {
  const size_t chunk = o.read_chunk;
  if (start > 0) {
    std::string head(kHeadRead, '\0');
    const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
    if (n < 0) return Status(ErrorCode::kIoError, f.path + ": " + Errno());
    head.resize(static_cast<size_t>(n));
    a.BeginFile(f.name, start);
    a.LearnHeader(head);
  } else {
    a.BeginFile(f.name, 0);
  }
  uint64_t offset = start;
  bool skipping = false;  // inside a line longer than the buffer, its start already counted
  const unsigned threads = ReadThreads(o.threads);
  if (threads > 1 && size > start && size - start >= o.parallel_min_bytes) {
    ParallelReadPlan plan;
    plan.threads = threads;
    plan.block = std::min(o.parallel_block, chunk);
    plan.long_line = chunk;
    auto end = a.ReadRange(fd, start, size, plan, cancelled);
    if (!end) {
      if (end.status().code() == ErrorCode::kTimeout) return end.status();
      return Status(ErrorCode::kIoError, f.path + ": " + end.status().message());
    }
    offset = end->offset;
    skipping = end->in_long_line;
  }
  if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    return Status(ErrorCode::kIoError, f.path + ": " + Errno());
  }
  size_t have = 0;  // unconsumed bytes at the front of buf
  bool eof = false;
  while (!eof) {
    if (cancelled.load(std::memory_order_relaxed)) {
      return Status(ErrorCode::kTimeout, "cancelled");
    }
    if (have == chunk) {
      // A single line longer than the buffer: its first chunk is parsed as the (one) line, the
      // rest up to its newline is passed over, so a 10 MB line is one bad line, not three.
      const size_t used = a.Consume(buf.data(), have, /*final=*/true);
      offset += used;
      have = 0;
      skipping = true;
      continue;
    }
    ssize_t n = ReadSome(fd, buf.data() + have, chunk - have);
    if (n < 0) return Status(ErrorCode::kIoError, f.path + ": " + Errno());
    if (n == 0) eof = true;
    if (skipping && n > 0) {
      const auto got = static_cast<size_t>(n);
      const char* nl = static_cast<const char*>(std::memchr(buf.data(), '\n', got));
      const size_t skip = nl ? static_cast<size_t>(nl - buf.data()) + 1 : got;
      a.SkipBytes(skip);
      offset += skip;
      std::memmove(buf.data(), buf.data() + skip, got - skip);
      n = static_cast<ssize_t>(got - skip);
      skipping = nl == nullptr;
      if (skipping) continue;
    }
    const size_t total = have + static_cast<size_t>(n);
    std::memset(buf.data() + total, 0, LocalDeliveryAnalyzer::kPadding);
    const size_t used = a.Consume(buf.data(), total, eof && final);
    offset += used;
    have = total - used;
    if (have) std::memmove(buf.data(), buf.data() + used, have);
  }
  return offset;
}

Result<WorkOutput> ReadAll(const TrackingRunOptions& o, std::vector<ServerWork>& servers,
                           const StateSnapshot& previous, WorkProgress& progress,
                           const std::atomic<bool>& cancelled) {
  WorkOutput out;
  const int64_t today = o.now >= 0 ? o.now / 86400 : (o.now - 86399) / 86400;
  std::vector<char> buf(o.read_chunk + LocalDeliveryAnalyzer::kPadding);
  for (ServerWork& s : servers) {
    LocalDeliveryAnalyzer& a = s.analyzer;
    bool any_log = false;
    progress.Set("listing " + s.input.path);
    auto files = ListWindow(s.input.path, today, o.lookback_days, any_log);
    if (!files) {
      a.AddFileError(files.status().message());
    } else if (files->empty()) {
      a.AddFileError(any_log ? "no tracking log (YYYYMMDD.log) dated within the last " +
                                   std::to_string(o.lookback_days) + " days in " + s.input.path
                             : "no tracking logs (YYYYMMDD.log) in " + s.input.path);
    } else {
      for (size_t i = 0; i < files->size(); ++i) {
        const DayFile& f = (*files)[i];
        const bool last = i + 1 == files->size();
        progress.Set("reading " + f.path);
        // Blocking open on purpose: a FIFO or hung share blocks here and the deadline (not this
        // thread) decides. O_NOATIME spares the share a metadata write where permitted.
        const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
          a.AddFileError(f.path + ": " + Errno());
          continue;
        }
        auto id = IdentifyFile(fd);
        struct stat st;
        if (!id || ::fstat(fd, &st) != 0) {
          a.AddFileError(f.path + ": " + (id ? Errno() : id.status().message()));
          ::close(fd);
          continue;
        }
        const FileCursor* prev = previous.Find(f.path);
        auto plan = PlanResume(fd, prev, *id, static_cast<uint64_t>(st.st_size));
        if (!plan) {
          a.AddFileError(f.path + ": " + plan.status().message());
          ::close(fd);
          continue;
        }
        if (plan->kind == ResumeKind::kTruncated || plan->kind == ResumeKind::kReplaced) {
          a.AddWarning(f.name + " was " + std::string(ResumeKindName(plan->kind)) +
                       " since the last run; read again from the start");
        }
        auto end = ReadFile(fd, f, plan->offset, static_cast<uint64_t>(st.st_size), /*final=*/!last,
                            a, buf, o, cancelled);
        ::close(fd);
        if (!end) {
          if (end.status().code() == ErrorCode::kTimeout) return end.status();
          a.AddFileError(end.status().message());
          continue;
        }
        if (!a.HasHeader() && *end > 0) {
          a.AddFileError(f.name + ": no '# Date<TAB>Time<TAB>...' column header naming Event-ID");
        }
        FileCursor c;
        c.path = f.path;
        c.identity = *id;
        c.offset = *end;
        out.snapshot.Upsert(std::move(c));
      }
    }
    out.reports.push_back(a.Evaluate(o.now));
  }
  return out;  // the payload is streamed into the state file by the caller (WritePayload)
}

// The run's payload: version, server count, then per server its key and its analyzer's saved
// state as one Bytes field. Streamed: the sizes are counted first, so nothing is held whole.
struct PayloadPlan {
  std::vector<uint64_t> analyzer_bytes;  // per server
  uint64_t total = 0;
};

PayloadPlan PlanPayload(const std::vector<ServerWork>& servers) {
  PayloadPlan plan;
  PayloadWriter count = PayloadWriter::Counter();
  count.U64(kRunPayloadVersion);
  count.U64(servers.size());
  uint64_t analyzers = 0;
  for (const ServerWork& s : servers) {
    PayloadWriter one = PayloadWriter::Counter();
    s.analyzer.SavePayloadTo(one);
    plan.analyzer_bytes.push_back(one.size());
    analyzers += one.size();
    count.Bytes(s.input.server + "=" + s.input.path);
    count.U64(one.size());
  }
  plan.total = count.size() + analyzers;
  return plan;
}

void WritePayload(const std::vector<ServerWork>& servers, const PayloadPlan& plan,
                  PayloadWriter& w) {
  w.U64(kRunPayloadVersion);
  w.U64(servers.size());
  for (size_t i = 0; i < servers.size(); ++i) {
    w.Bytes(servers[i].input.server + "=" + servers[i].input.path);
    w.U64(plan.analyzer_bytes[i]);
    servers[i].analyzer.SavePayloadTo(w);
  }
}

}  // namespace

std::optional<int64_t> TrackingLogDay(std::string_view name) {
  if (name.size() != 12 || !EqualsIgnoreCase(name.substr(8), ".log")) return std::nullopt;
  unsigned v[3] = {0, 0, 0};
  const size_t widths[3] = {4, 2, 2};
  size_t pos = 0;
  for (int k = 0; k < 3; ++k) {
    for (size_t i = 0; i < widths[k]; ++i, ++pos) {
      const char c = name[pos];
      if (c < '0' || c > '9') return std::nullopt;
      v[k] = v[k] * 10 + static_cast<unsigned>(c - '0');
    }
  }
  auto t = UnixFromUtc(v[0], v[1], v[2], 0, 0, 0);
  if (!t) return std::nullopt;
  return *t / 86400;
}

Result<TrackingRunResult> RunTrackingAnalysis(const TrackingRunOptions& o,
                                              const Deadline& deadline) {
  TrackingRunResult result;
  auto claim = ReaderClaim::Take(o.reader_slot, "the tracking logs");
  if (!claim) return claim.status();
  std::vector<std::string> keys;
  for (const NamedPath& d : o.dirs)
    keys.push_back(d.server + "=" + d.path);

  std::optional<StateFile> state;
  StateSnapshot previous;
  if (!o.state_path.empty()) {
    // Streamed: a million in-flight pairs make a payload of tens of MB, never held whole beside
    // the table it restores (the memory bar of issue 5).
    auto sf = StateFile::Acquire(o.state_path, o.consumer, InputsKey(keys), deadline,
                                 StateFile::PayloadLoad::kStreamed);
    if (!sf) return sf.status();
    state.emplace(std::move(*sf));
    previous = state->TakePrevious();
    for (const std::string& w : state->warnings())
      result.warnings.push_back(w);
    result.state_path = o.state_path;
  }

  // Rows more than an hour past the evaluation time cannot be real (domain members keep their
  // clocks within minutes): they are counted as bad lines instead of moving log time.
  LocalDeliveryConfig config = o.config;
  if (config.latest_plausible == INT64_MAX) config.latest_plausible = o.now + kFutureTolerance;
  auto servers = std::make_shared<std::vector<ServerWork>>();
  for (size_t i = 0; i < o.dirs.size(); ++i) {
    servers->push_back(ServerWork{o.dirs[i], LocalDeliveryAnalyzer(o.dirs[i].server, config)});
  }
  // Restore each server's analyzer from the payload, read from the file as it is parsed. A bad
  // payload means a fresh start: for everything when the payload itself is unreadable, for one
  // server when only its part is.
  if (state) {
    auto fresh = [&](size_t i) {
      (*servers)[i].analyzer = LocalDeliveryAnalyzer(o.dirs[i].server, config);
      // Without its pairs, the offsets of this server's files are meaningless: re-read them.
      std::vector<FileCursor> kept;
      for (FileCursor& c : previous.files) {
        if (c.path.rfind(o.dirs[i].path + "/", 0) != 0) kept.push_back(c);
      }
      previous.files = std::move(kept);
    };
    auto r = state->OpenPreviousPayload();
    bool ok = r.ok();
    if (ok && !r->at_end()) {
      ok = r->U64() == kRunPayloadVersion;
      const uint64_t n = ok ? r->U64() : 0;
      std::vector<bool> loaded(o.dirs.size(), false);
      for (uint64_t k = 0; k < n && r->ok(); ++k) {
        const std::string key(r->Bytes());
        const uint64_t size = r->U64();
        if (!r->ok()) break;
        const auto at = std::find(keys.begin(), keys.end(), key);
        const size_t i = static_cast<size_t>(at - keys.begin());
        if (at == keys.end() || loaded[i]) {
          r->Skip(size);
          continue;
        }
        loaded[i] = true;
        if (Status s = (*servers)[i].analyzer.LoadPayloadFrom(*r, size); !s.ok()) {
          result.warnings.push_back(o.dirs[i].server + ": " + s.message() +
                                    "; in-flight deliveries rebuilt from the logs");
          fresh(i);
          if (!r->ok()) break;
        }
      }
      ok = ok && r->ok() && r->at_end();
    }
    if (!ok) {
      result.warnings.push_back("state file " + o.state_path +
                                " has an unreadable payload; rebuilt from the logs");
      for (size_t i = 0; i < o.dirs.size(); ++i)
        (*servers)[i].analyzer = LocalDeliveryAnalyzer(o.dirs[i].server, config);
      previous = StateSnapshot();
    }
  }

  // The reading runs on a helper thread that owns everything it touches (see bounded_call.h).
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  auto opts = std::make_shared<TrackingRunOptions>(o);
  auto prev = std::make_shared<StateSnapshot>(std::move(previous));
  auto work = RunBounded<WorkOutput>(deadline, std::move(*claim),
                                     [opts, servers, prev, cancelled](WorkProgress& progress) {
                                       return ReadAll(*opts, *servers, *prev, progress, *cancelled);
                                     });
  if (!work) {
    cancelled->store(true);
    return work.status();
  }
  if (state) {
    // The helper thread is done with the analyzers: their state goes straight into the file.
    const std::vector<ServerWork>& done = *servers;
    const PayloadPlan plan = PlanPayload(done);
    if (Status s = state->Commit(work->snapshot, plan.total,
                                 [&](PayloadWriter& w) { WritePayload(done, plan, w); });
        !s.ok()) {
      return s.WithContext("state file");
    }
  }
  result.servers = std::move(work->reports);
  return result;
}

}  // namespace exdm
