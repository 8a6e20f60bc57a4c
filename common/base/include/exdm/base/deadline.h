// The run's deadline (-t). Every blocking call asks it how long it may still wait, so the whole run
// ends within the timeout instead of each step getting its own.
#pragma once

#include <chrono>

namespace exdm {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  static Deadline After(std::chrono::milliseconds budget) {
    return Deadline(Clock::now() + budget);
  }
  static Deadline Never() { return Deadline(Clock::time_point::max()); }

  bool Expired() const { return Clock::now() >= at_; }
  // Time left, never negative; "never" saturates at a day so callers can pass it to APIs that
  // take seconds.
  std::chrono::milliseconds Remaining() const;
  Clock::time_point at() const { return at_; }

 private:
  explicit Deadline(Clock::time_point at) : at_(at) {}
  Clock::time_point at_;
};

}  // namespace exdm
