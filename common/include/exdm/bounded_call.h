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
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "exdm/deadline.h"
#include "exdm/status.h"

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

template <typename T>
Result<T> RunBounded(const Deadline& deadline, std::function<Result<T>(WorkProgress&)> work) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<T>> result;
    WorkProgress progress;
  };
  auto shared = std::make_shared<Shared>();
  std::thread([shared, work = std::move(work)]() mutable {
    Result<T> r = work(shared->progress);
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

}  // namespace exdm
