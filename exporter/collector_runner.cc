#include "collector_runner.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

#include "log.h"

namespace exdm::exporter {
namespace {

// Collectors are batch work; scrapes are latency-bound. Nice this thread (Linux applies nice per
// thread) so a refresh competing for the CPU never delays a scrape (exporter_binary_bench on 2
// busy cores: p99 7.1 ms before this and the malloc settings, 0.22 ms after). Only setpriority(2)
// can do this per thread, and it is in systemd's @resources group: the packaged unit re-allows
// that one call (without CAP_SYS_NICE a process can only lower its own priority with it) and
// answers anything else it forbids with EPERM. Under a stricter filter the exporter loses only
// the niceness: the refusal is logged once and collectors run at the process's priority.
void LowerThisThreadsPriority() {
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10) == 0) return;
  const int error = errno;
  static std::once_flag logged;
  std::call_once(logged, [error] {
    Log(LogPriority::kWarning,
        std::string("cannot lower the collector threads' priority (") + std::strerror(error) +
            "); refreshes compete with scrapes for the CPU at the same priority");
  });
}

// Taken by large refreshes (Collector::large_refresh), so the audit's topology and the tracking
// reader's in-flight table are not built at the same time: at 10,000 stores and 100,000 in-flight
// deliveries each is some 30 MB, and together they carried the exporter's peak past 100 MB
// (exporter_binary_bench). Waited for at most kLargeRefreshWait: a refresh held up by a hung
// share or DC (each bounded by its own timeout) delays the other, never stops it.
std::timed_mutex& LargeRefreshes() {
  static std::timed_mutex turn;
  return turn;
}
constexpr std::chrono::seconds kLargeRefreshWait(30);

}  // namespace

CollectorRunner::CollectorRunner(std::unique_ptr<Collector> collector, SnapshotStore& store)
    : collector_(std::move(collector)), name_(collector_->name()), store_(store) {
  store_.Register(name_);
  thread_ = std::thread([this] { Loop(); });
}

CollectorRunner::~CollectorRunner() {
  Stop();
}

void CollectorRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool CollectorRunner::StopWithin(std::chrono::milliseconds grace) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    if (!done_.wait_for(lock, grace, [this] { return finished_; })) return false;
  }
  if (thread_.joinable()) thread_.join();
  return true;
}

void CollectorRunner::Loop() {
  LowerThisThreadsPriority();
  const auto interval = collector_->interval();
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    RefreshOnce();
    next += interval;
    // A refresh that overran its interval starts the next one right away, but does not try to
    // catch up on the missed ones.
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
    std::unique_lock<std::mutex> lock(mutex_);
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) {
      finished_ = true;
      done_.notify_all();
      return;
    }
  }
}

void CollectorRunner::RefreshOnce() {
  std::unique_lock<std::timed_mutex> turn(LargeRefreshes(), std::defer_lock);
  if (collector_->large_refresh() && !turn.try_lock_for(kLargeRefreshWait)) {
    Log(LogPriority::kDebug, "collector " + name_ + " refreshes beside another large refresh");
  }
  const auto started = std::chrono::steady_clock::now();
  const Status status = collector_->Refresh();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;

  CollectorHealth health;
  health.success = status.ok();
  health.duration_seconds = took.count();
  Log(LogPriority::kDebug, "collector " + name_ + (status.ok() ? " refreshed" : " failed") +
                               " in " + std::to_string(took.count()) + " s");
  if (status.ok()) {
    last_success_unix_ =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (!last_error_.empty()) {
      Log(LogPriority::kInfo, "collector " + name_ + " recovered");
      last_error_.clear();
    }
  } else if (status.message() != last_error_) {
    Log(LogPriority::kError,
        "collector " + name_ + " failed (keeping its last good values): " + status.message());
    last_error_ = status.message().empty() ? "unknown error" : status.message();
  }
  health.last_success_unix = last_success_unix_;
  store_.Publish(name_, collector_->Families(), health);
  // A refresh builds large temporary structures (100,000 in-flight deliveries, 10,000 stores);
  // hand the freed pages back so the resident size reflects what is kept, not the peak. The
  // turn (if taken) ends here, after the families are rendered and the pages handed back.
  malloc_trim(0);
}

}  // namespace exdm::exporter
