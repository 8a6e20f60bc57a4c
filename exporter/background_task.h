// Work on a thread of its own whose end the caller can poll() for, next to its signals: a
// reload's reading of the configuration (SIGHUP), so the signal loop keeps answering SIGTERM
// while a configuration file on a hung share is read (the read gives up at its own bound).
//
// The thread is detached and owns the shared state: a task still running when its BackgroundTask
// is dropped (the exporter stopping) finishes, or is abandoned with the process, on its own.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace exdm::exporter {

template <typename T>
class BackgroundTask {
 public:
  explicit BackgroundTask(std::function<T()> work) : shared_(std::make_shared<Shared>()) {
    std::thread([shared = shared_, work = std::move(work)] {
      T result = work();
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->result.emplace(std::move(result));
      const uint64_t one = 1;
      ssize_t ignored = ::write(shared->ready, &one, sizeof one);
      (void)ignored;
    }).detach();
  }

  // Readable (POLLIN) once the work has returned.
  int ready_fd() const { return shared_->ready; }
  bool done() const {
    std::lock_guard<std::mutex> lock(shared_->mu);
    return shared_->result.has_value();
  }
  // The work's result; only once done().
  T Take() {
    std::lock_guard<std::mutex> lock(shared_->mu);
    T result = std::move(*shared_->result);
    shared_->result.reset();
    return result;
  }

 private:
  struct Shared {
    Shared() : ready(::eventfd(0, EFD_CLOEXEC)) {}
    ~Shared() {
      if (ready >= 0) ::close(ready);
    }
    std::mutex mu;
    std::optional<T> result;
    int ready;
  };
  std::shared_ptr<Shared> shared_;
};

}  // namespace exdm::exporter
