// check_exchange_delivery: the Nagios/Icinga plugin. Options in, core results out, exit 0..3.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include "check_options.h"
#include "exdm/base/sanitize.h"
#include "exdm/version.h"
#include "modes.h"
#include "preflight.h"

namespace {

// The -t backstop: every blocking call already honours the deadline; if one ever does not, the
// alarm still ends the run with the configured state, as the C Monitoring Plugins do.
char g_timeout_message[160];
size_t g_timeout_message_len = 0;
int g_timeout_exit = 3;

extern "C" void OnAlarm(int) {
  // Only async-signal-safe calls here.
  ssize_t ignored = write(STDOUT_FILENO, g_timeout_message, g_timeout_message_len);
  (void)ignored;
  _exit(g_timeout_exit);
}

void ArmTimeout(const exdm::check::CheckOptions& o) {
  const int n = std::snprintf(g_timeout_message, sizeof g_timeout_message,
                              "EXCHANGE DELIVERY %s - plugin timed out after %lld seconds\n",
                              std::string(exdm::StateName(o.timeout_state)).c_str(),
                              static_cast<long long>(o.timeout_seconds));
  g_timeout_message_len = n > 0 ? static_cast<size_t>(n) : 0;
  g_timeout_exit = static_cast<int>(o.timeout_state);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnAlarm;
  sigaction(SIGALRM, &sa, nullptr);
  // One second of grace past the deadline the core works against.
  alarm(static_cast<unsigned>(o.timeout_seconds + 1));
}

// An exception nobody caught, on any thread, would have the runtime print "terminate called..."
// to stderr (which Icinga 2 shows in front of the status line) and abort with exit 134, which no
// monitoring core understands. One UNKNOWN line instead; only async-signal-safe calls, as memory
// may be what ran out.
[[noreturn]] void OnTerminate() {
  constexpr char kLine[] = "EXCHANGE DELIVERY UNKNOWN - internal error: ";
  const char* what = "uncaught exception";
  try {
    if (std::exception_ptr e = std::current_exception()) std::rethrow_exception(e);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  ssize_t ignored = write(STDOUT_FILENO, kLine, sizeof kLine - 1);
  ignored = write(STDOUT_FILENO, what, std::strlen(what));
  ignored = write(STDOUT_FILENO, "\n", 1);
  (void)ignored;
  _exit(3);
}

// A run that ends before any mode ran: one status line with a one-line reason.
int Finish(exdm::PluginState state, const std::string& reason) {
  std::cout << "EXCHANGE DELIVERY " << exdm::StateName(state) << " - "
            << exdm::SanitizeForOutput(reason, exdm::check::kMaxSummaryBytes) << "\n"
            << std::flush;
  return static_cast<int>(state);
}

// Bad options and unreadable inputs: UNKNOWN with a one-line reason (docs/ARCHITECTURE.md
// "Exit codes").
int Unknown(const std::string& reason) {
  return Finish(exdm::PluginState::kUnknown, reason);
}

}  // namespace

int main(int argc, char** argv) {
  // A server that goes away mid-operation (or the LDAP deadline watchdog shutting a socket down)
  // makes libldap write to a closed socket: that must be an error value, not a silent death by
  // SIGPIPE with no status line (exit 141, which Nagios cannot interpret).
  signal(SIGPIPE, SIG_IGN);
  std::set_terminate(OnTerminate);
  using exdm::check::ParsedCommandLine;
  auto parsed = exdm::check::ParseCommandLine(argc, argv);
  if (!parsed) return Unknown(parsed.status().message());
  // --help and --version exit UNKNOWN, as the Monitoring Plugins guidelines ask and their C
  // plugins do since 2.2: a service pointed at either by mistake must not show OK.
  switch (parsed->action) {
    case ParsedCommandLine::Action::kHelp:
      std::cout << parsed->help_text;
      return static_cast<int>(exdm::PluginState::kUnknown);
    case ParsedCommandLine::Action::kVersion:
      std::cout << "check_exchange_delivery " << exdm::kVersion << " (" << exdm::kRevision << ")\n";
      return static_cast<int>(exdm::PluginState::kUnknown);
    case ParsedCommandLine::Action::kRun:
      break;
  }
  const exdm::check::CheckOptions& options = parsed->options;
  ArmTimeout(options);
  const auto deadline = exdm::Deadline::After(std::chrono::seconds(options.timeout_seconds));
  if (exdm::Status s = exdm::check::CheckLocalInputs(options, deadline); !s.ok()) {
    alarm(0);
    const int code = s.code() == exdm::ErrorCode::kTimeout
                         ? Finish(options.timeout_state, s.message())
                         : Unknown(s.message());
    ::close(STDOUT_FILENO);  // a probe abandoned on a hung share must not hold the answer back
    return code;
  }
  const exdm::check::PluginOutput out = exdm::check::RunMode(options, deadline);
  // The result is in: from here on the alarm could only interleave a second status line with it.
  alarm(0);
  std::cout << out.Render() << std::flush;
  // A reader abandoned at the deadline (exdm/bounded_call.h) may sit in an uninterruptible read
  // on a hung share and delay the process's exit; closing stdout now lets the monitoring core see
  // the complete answer (EOF) regardless.
  ::close(STDOUT_FILENO);
  return static_cast<int>(out.state());
}
