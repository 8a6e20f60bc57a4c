// Bounding work that may block in the kernel (a read from a hung CIFS share) by the run's deadline.
//
// Why a thread and not O_NONBLOCK/poll: for regular files O_NONBLOCK and poll() are no-ops (a file
// is always "ready"), and a read on a hung hard-mounted CIFS share sleeps uninterruptibly, so
// neither signals nor timeouts reach it. The only bound that works is not to wait for it: the work
// runs on a helper thread; if the deadline passes first, the caller gets kTimeout (naming what the
// work was doing) and the thread is detached and abandoned. The work must therefore own everything
// it touches (capture by value / shared_ptr, never references into the caller's stack), and the
// caller should end the process soon after a timeout (the check does; its stdout is closed on exit
// so the monitoring core sees EOF even if the abandoned thread never returns).
//
// A long-lived caller (the exporter) that repeats a read cannot end its process instead: it keeps
// one ReaderSlot per read and passes a ReaderClaim on it to RunBounded, so a read still blocked
// from an earlier run makes the next run fail at once rather than strand one more thread per
// refresh while the share hangs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "exdm/base/deadline.h"
#include "exdm/base/status.h"

namespace exdm {

// What the work is doing right now ("reading /srv/EXCH01.log/20261125.log"), for the timeout text.
class WorkProgress {
 public:
  void Set(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    what_ = std::move(what);
  }
  std::string Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return what_;
  }

 private:
  mutable std::mutex mu_;
  std::string what_;
};

// Held while one read of an input runs (its helper thread included). Shared between the caller's
// runs (a shared_ptr in the run's options); a null slot means "no limit" (the check).
class ReaderSlot {
 public:
  bool busy() const { return busy_.load(); }

 private:
  friend class ReaderClaim;
  std::atomic<bool> busy_{false};
};

// The slot, taken: from the start of a run until its helper thread's work returns (RunBounded
// releases it there, whether or not the caller still waits), or until the claim is dropped by a
// run that fails before it reads.
class ReaderClaim {
 public:
  ReaderClaim() = default;  // no slot, nothing held
  // kTimeout "the previous read of WHAT is still blocked (hung share?); not starting another"
  // while `slot` is held; otherwise a claim holding it (an empty claim for a null slot).
  static Result<ReaderClaim> Take(const std::shared_ptr<ReaderSlot>& slot,
                                  const std::string& what) {
    ReaderClaim claim;
    if (!slot) return Result<ReaderClaim>(std::move(claim));
    bool expected = false;
    if (!slot->busy_.compare_exchange_strong(expected, true)) {
      return Status(ErrorCode::kTimeout, "the previous read of " + what +
                                             " is still blocked (hung share?); not starting "
                                             "another");
    }
    claim.slot_ = slot;
    return Result<ReaderClaim>(std::move(claim));
  }
  ReaderClaim(ReaderClaim&& other) noexcept : slot_(std::move(other.slot_)) {}
  ReaderClaim& operator=(ReaderClaim&& other) noexcept {
    if (this != &other) {
      Release();
      slot_ = std::move(other.slot_);
    }
    return *this;
  }
  ReaderClaim(const ReaderClaim&) = delete;
  ReaderClaim& operator=(const ReaderClaim&) = delete;
  ~ReaderClaim() { Release(); }

  void Release() {
    if (slot_) slot_->busy_.store(false);
    slot_.reset();
  }

 private:
  std::shared_ptr<ReaderSlot> slot_;
};

// Runs `work` on a helper thread; `claim` is released as soon as the work returns (before the
// result is handed over, so a caller that got its result can start the next run at once).
template <typename T>
Result<T> RunBounded(const Deadline& deadline, ReaderClaim claim,
                     std::function<Result<T>(WorkProgress&)> work) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<T>> result;
    WorkProgress progress;
  };
  auto shared = std::make_shared<Shared>();
  std::thread([shared, work = std::move(work), claim = std::move(claim)]() mutable {
    Result<T> r = work(shared->progress);
    claim.Release();
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->result.emplace(std::move(r));
    shared->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(shared->mu);
  if (!shared->cv.wait_until(lock, deadline.at(), [&] { return shared->result.has_value(); })) {
    const std::string what = shared->progress.Get();
    return Status(ErrorCode::kTimeout,
                  "deadline expired" + (what.empty() ? std::string() : " while " + what));
  }
  return std::move(*shared->result);
}

template <typename T>
Result<T> RunBounded(const Deadline& deadline, std::function<Result<T>(WorkProgress&)> work) {
  return RunBounded<T>(deadline, ReaderClaim(), std::move(work));
}

}  // namespace exdm
