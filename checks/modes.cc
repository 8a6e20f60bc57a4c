#include "modes.h"

#include <ctime>

namespace exdm::check {

namespace {

PluginOutput RunSelectedMode(const CheckOptions& options, const Deadline& deadline) {
  switch (options.mode) {
    case Mode::kMailbox:
      return RunMailboxMode(options, deadline);
    case Mode::kQueue:
      return RunQueueMode(options, deadline);
    case Mode::kEvents:
      return RunEventsMode(options, deadline);
    case Mode::kAll:
      return RunAllMode(options, deadline);
  }
  return RunAllMode(options, deadline);
}

}  // namespace

PluginOutput RunMode(const CheckOptions& options, const Deadline& deadline) {
  PluginOutput out = RunSelectedMode(options, deadline);
  // On every run, in every mode, first under the status line: the monitoring UI is where an
  // unverified connection has to stay visible. Never on stderr, which Icinga 2 puts in front of
  // the status line.
  if (options.ldap.insecure_skip_verify) {
    out.PrependLongLine("warning: --insecure-skip-verify: TLS certificates are not verified");
  }
  return out;
}

int64_t EvaluationTime(const CheckOptions& options) {
  return options.now ? *options.now : static_cast<int64_t>(std::time(nullptr));
}

}  // namespace exdm::check
