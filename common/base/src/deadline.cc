#include "exdm/base/deadline.h"

namespace exdm {

std::chrono::milliseconds Deadline::Remaining() const {
  using std::chrono::milliseconds;
  constexpr milliseconds kCap = std::chrono::hours(24);
  if (at_ == Clock::time_point::max()) return kCap;
  const auto now = Clock::now();
  if (now >= at_) return milliseconds(0);
  auto left = std::chrono::duration_cast<milliseconds>(at_ - now);
  return left > kCap ? kCap : left;
}

}  // namespace exdm
