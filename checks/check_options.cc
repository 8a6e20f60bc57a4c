#include "check_options.h"

#include <boost/program_options.hpp>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "exdm/base/time_util.h"
#include "exdm/version.h"

namespace po = boost::program_options;

namespace exdm::check {

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kMailbox:
      return "mailbox";
    case Mode::kQueue:
      return "queue";
    case Mode::kEvents:
      return "events";
    case Mode::kAll:
      return "all";
  }
  return "all";
}

PluginState CheckOptions::SeverityOf(FindingKind kind) const {
  auto it = finding_severity.find(kind);
  return it != finding_severity.end() ? it->second : StateOf(DefaultSeverity(kind));
}

namespace {

// The help text and the option table read better as laid out by hand.
// clang-format off
constexpr const char kUsage[] =
    "Usage: check_exchange_delivery MODE [options]\n"
    "  MODE: mailbox | queue | events | all\n"
    "\n"
    "Catches mail stuck in Exchange 2000/2003 local delivery because a store's SMTP\n"
    "mailbox (mailGateway object in Active Directory) is missing, duplicated or\n"
    "wrong. Read-only: it never writes to Active Directory; repairs are printed (and\n"
    "written with --remediation-ldif).\n";

constexpr const char kExamples[] =
    "\nExamples:\n"
    "  check_exchange_delivery mailbox -H ldaps://gc1.contoso.com:3269 \\\n"
    "      -D 'CN=svc-monitor,OU=Service,DC=contoso,DC=com' \\\n"
    "      --password-file /etc/exchange-delivery-monitor/ldap.secret\n"
    "  check_exchange_delivery queue --tracking-dir EXCH01=/srv/exchange/EXCH01.log \\\n"
    "      -w 900 -c 1800\n"
    "  check_exchange_delivery events \\\n"
    "      --event-file EXCH01=/srv/exchange/EXCH01-application.jsonl --window 3600\n"
    "  check_exchange_delivery all \\\n"
    "      --extra-opts=@/etc/exchange-delivery-monitor/check_exchange_delivery.ini \\\n"
    "      -t 20:CRITICAL\n"
    "\n"
    "Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad options, unreadable\n"
    "inputs, and --help and --version, as the Monitoring Plugins guidelines ask).\n"
    "LDAP unreachable or bind refused: --unreachable-state (default CRITICAL).\n"
    "Deadline expired: the -t state (default UNKNOWN).\n"
    "Ranges use the Monitoring Plugins syntax: 10, 10:, ~:10, 10:20, @10:20.\n"
    "State: under $MP_STATE_PATH (else /var/tmp)/<uid>/check_exchange_delivery/.\n"
    "Manual: man check_exchange_delivery\n";

// The guidelines: help fits an 80-column terminal.
constexpr unsigned kHelpWidth = 80;

po::options_description MakeOptions() {
  po::options_description ldap("LDAP", kHelpWidth, kHelpWidth / 2);
  ldap.add_options()
      ("ldap-uri,H", po::value<std::vector<std::string>>()->composing(),
       "ldap:// or ldaps:// URI; repeat to audit several DCs/GCs and compare them")
      ("base,b", po::value<std::string>(),
       "configuration naming context (default: the one the root DSE names)")
      ("bind-dn,D", po::value<std::string>(), "simple bind identity (default: anonymous)")
      ("sasl-mech", po::value<std::string>(), "SASL mechanism instead of a simple bind (GSSAPI)")
      ("password-file", po::value<std::string>(),
       "read the bind password from the first line of FILE")
      ("password-env", po::value<std::string>(),
       "read the bind password from environment variable VAR")
      ("starttls", po::bool_switch(), "upgrade ldap:// connections with StartTLS")
      ("ca-file", po::value<std::string>(), "CA certificates (PEM) to verify the server with")
      ("insecure-skip-verify", po::bool_switch(),
       "do not verify TLS certificates (warns on every run; never use in production)")
      ("server,s", po::value<std::vector<std::string>>()->composing(),
       "restrict to this Exchange server (repeatable)")
      ("recovery-group-name", po::value<std::string>()->default_value(kDefaultRecoveryGroupName),
       "a storage group of this name is a recovery storage group even when AD marks it by no "
       "attribute ('' turns the rule off)");

  po::options_description inputs("Inputs", kHelpWidth, kHelpWidth / 2);
  inputs.add_options()
      ("tracking-dir", po::value<std::vector<std::string>>()->composing(),
       "[NAME=]DIR: one server's message tracking directory (repeatable)")
      ("event-file", po::value<std::vector<std::string>>()->composing(),
       "[NAME=]FILE: exported application log, Log Parser CSV or NXLog JSON lines (repeatable)")
      ("queue-snapshot", po::value<std::vector<std::string>>()->composing(),
       "[NAME=]FILE: one server's WMI queue snapshot (exchange-queue-snapshot.vbs; repeatable)")
      ("snapshot-max-age", po::value<int64_t>()->default_value(900),
       "refuse queue snapshots older than this many seconds")
      ("snapshot-tolerance", po::value<int64_t>()->default_value(600),
       "seconds the tracking logs and a snapshot may differ on the oldest stuck message")
      ("event-tz", po::value<std::string>()->default_value("UTC"),
       "time zone of event timestamps that carry none")
      ("state-file", po::value<std::string>(),
       "offsets and in-flight state between runs; 'none' keeps none (default: one file per "
       "mode and inputs in the user's own state directory, see State below)")
      ("now", po::value<std::string>(), "evaluate as of this UTC time (ISO 8601), for replays")
      ("attempt-events", po::value<std::string>(),
       "tracking event IDs that are delivery attempts (default 1028,1023)")
      ("end-events", po::value<std::string>(),
       "tracking event IDs that end a delivery (default 1030,1021,50,51,52)")
      ("max-in-flight", po::value<uint64_t>()->default_value(2'000'000),
       "local deliveries tracked per server at most (bounds memory); more are counted as overflow");

  po::options_description thresholds("Thresholds (Monitoring Plugins ranges)", kHelpWidth, kHelpWidth / 2);
  thresholds.add_options()
      ("warning-age", po::value<std::string>()->default_value("900"),
       "oldest stalled delivery, seconds")
      ("critical-age", po::value<std::string>()->default_value("1800"),
       "oldest stalled delivery, seconds")
      ("warning-stalled", po::value<std::string>(), "stalled deliveries (default: none)")
      ("critical-stalled", po::value<std::string>(), "stalled deliveries (default: none)")
      ("warning-logon-failures", po::value<std::string>(),
       "store driver logon failures (event 326) in the window (default: none)")
      ("critical-logon-failures", po::value<std::string>()->default_value("~:0"),
       "store driver logon failures (event 326) in the window (default: any)")
      ("warning-failing-stores", po::value<std::string>(),
       "stores with critical findings (default: none)")
      ("critical-failing-stores", po::value<std::string>()->default_value("~:0"),
       "stores with critical findings (default: any)")
      ("warning,w", po::value<std::string>(),
       "alias for the mode's primary metric: mailbox failing stores, queue age, events 326")
      ("critical,c", po::value<std::string>(), "alias, see --warning")
      ("finding-severity", po::value<std::vector<std::string>>()->composing(),
       "KIND=STATE per finding kind (defaults: dc_disagree, orphan WARNING; others CRITICAL)")
      ("window", po::value<int64_t>()->default_value(86400),
       "events: look back this many seconds")
      ("since", po::value<std::string>(), "events: absolute start (ISO 8601) instead of --window");

  po::options_description other("Other", kHelpWidth, kHelpWidth / 2);
  other.add_options()
      ("remediation-ldif", po::value<std::string>(),
       "write the LDIF that would repair the findings to FILE (never applied)")
      ("unreachable-state", po::value<std::string>()->default_value("CRITICAL"),
       "state when LDAP cannot be reached or bound")
      ("timeout,t", po::value<std::string>()->default_value("30"),
       "SEC[:STATE] whole-run deadline and the state on expiry (default UNKNOWN)")
      ("extra-opts", po::value<std::string>()->implicit_value(""),
       "[SECTION][@FILE] read long options from an INI file (repeatable; section defaults to "
       "check_exchange_delivery; the command line overrides the file)")
      ("verbose,v", po::bool_switch(), "more detail in the long output (repeatable: -vvv)")
      ("version,V", "print the version and exit")
      ("help,h", "print this help and exit");

  po::options_description all(kHelpWidth, kHelpWidth / 2);
  all.add(ldap).add(inputs).add(thresholds).add(other);
  return all;
}
// clang-format on

Status Bad(const std::string& message) {
  return Status(ErrorCode::kInvalidArgument, message);
}

Result<std::optional<Range>> OptionalRange(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::optional<Range>();
  const std::string& text = vm[name].as<std::string>();
  if (text.empty() || text == "none") return std::optional<Range>();
  auto range = Range::Parse(text);
  if (!range) return range.status().WithContext(std::string("--") + name);
  return std::optional<Range>(*range);
}

Status FillThresholds(const po::variables_map& vm, const char* warning, const char* critical,
                      Thresholds& out) {
  auto w = OptionalRange(vm, warning);
  if (!w) return w.status();
  auto c = OptionalRange(vm, critical);
  if (!c) return c.status();
  out.warning = *w;
  out.critical = *c;
  return Status::Ok();
}

bool IsModeName(const std::string& word) {
  return word == "mailbox" || word == "queue" || word == "events" || word == "all";
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Monitoring Plugins' extra-opts (lib/parse_ini.c): "[section][@file]". The section defaults to
// the program name; without a file, the standard locations are searched (MP_CONFIG_FILE, then
// /etc/nagios/plugins.ini and friends). Each "key = value" line of the section becomes
// "--key=value" ("-k value" for a one-letter key); "key" or "key =" becomes a bare "--key" for
// switches. Blank lines and lines starting with '#' or ';' are comments.
Result<std::vector<std::string>> ReadExtraOpts(const std::string& spec,
                                               const po::options_description& desc) {
  std::string section = "check_exchange_delivery";
  std::string file;
  const size_t at = spec.find('@');
  if (at == std::string::npos) {
    if (!spec.empty()) section = spec;
  } else {
    if (at > 0) section = spec.substr(0, at);
    file = spec.substr(at + 1);
  }
  std::vector<std::string> candidates;
  if (!file.empty()) {
    candidates.push_back(file);
  } else {
    if (const char* env = std::getenv("MP_CONFIG_FILE")) candidates.emplace_back(env);
    for (const char* p : {"/etc/nagios/plugins.ini", "/usr/local/nagios/etc/plugins.ini",
                          "/usr/local/etc/nagios/plugins.ini", "/etc/opt/nagios/plugins.ini",
                          "/etc/nagios-plugins.ini", "/usr/local/etc/nagios-plugins.ini",
                          "/etc/opt/nagios-plugins.ini", "/etc/monitoring-plugins.ini"}) {
      candidates.emplace_back(p);
    }
  }
  for (const std::string& path : candidates) {
    std::ifstream in(path);
    if (!in) {
      if (!file.empty()) return Bad("--extra-opts: cannot read '" + path + "'");
      continue;
    }
    std::vector<std::string> args;
    bool in_section = false, found = false, seen_section = false;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::string text = Trim(line);
      if (text.empty() || text[0] == '#' || text[0] == ';') continue;
      const std::string where = "--extra-opts: " + path + ":" + std::to_string(number) + ": ";
      if (text[0] == '[') {
        const size_t close = text.find(']');
        if (close == std::string::npos) return Bad(where + "unterminated section header");
        seen_section = true;
        in_section = Trim(text.substr(1, close - 1)) == section;
        found = found || in_section;
        continue;
      }
      if (!seen_section) return Bad(where + "option outside of any [section]");
      if (!in_section) continue;
      const size_t eq = text.find('=');
      const std::string key = Trim(text.substr(0, eq));
      const std::string value = eq == std::string::npos ? std::string() : Trim(text.substr(eq + 1));
      if (key.empty()) return Bad(where + "missing option name before '='");
      if (key == "extra-opts") return Bad(where + "a section may not include extra-opts");
      const po::option_description* known =
          key.size() == 1 ? desc.find_nothrow("-" + key, false) : desc.find_nothrow(key, false);
      const bool is_switch = known && known->semantic()->max_tokens() == 0;
      if (is_switch && !value.empty()) {
        return Bad(where + "'" + key + "' is a switch and takes no value");
      }
      if (key.size() == 1) {
        // "-k" and the value as its own word: "-k=value" would hand the '=' to the option.
        args.push_back("-" + key);
        if (!is_switch && eq != std::string::npos) args.push_back(value);
      } else {
        args.push_back(is_switch || eq == std::string::npos ? "--" + key
                                                            : "--" + key + "=" + value);
      }
    }
    if (!found) {
      return Bad("--extra-opts: no section [" + section + "] in '" + path + "'");
    }
    return args;
  }
  return Bad("--extra-opts: no configuration file found for section [" + section +
             "] (looked in $MP_CONFIG_FILE, /etc/nagios/plugins.ini, ...)");
}

// Takes every --extra-opts out of argv (as lib/extra_opts.c does before getopt): "--extra-opts",
// "--extra-opts=SPEC" and "--extra-opts SPEC" when SPEC is not an option or a MODE. The rest of
// argv comes back in `rest`.
std::vector<std::string> TakeExtraOpts(const std::vector<std::string>& args,
                                       std::vector<std::string>& rest) {
  static const std::string kName = "--extra-opts";
  std::vector<std::string> specs;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (a.rfind(kName + "=", 0) == 0) {
      specs.push_back(a.substr(kName.size() + 1));
    } else if (a == kName) {
      const bool next_is_spec = i + 1 < args.size() && !args[i + 1].empty() &&
                                args[i + 1][0] != '-' && !IsModeName(args[i + 1]);
      specs.push_back(next_is_spec ? args[++i] : std::string());
    } else {
      rest.push_back(a);
    }
  }
  return specs;
}

// getopt semantics over the combined argument list: for a single-valued option the last
// occurrence wins (so the command line, which comes after every --extra-opts file, overrides
// them); repeatable options keep every value in order. -v counts its occurrences.
int ResolveOccurrences(po::parsed_options& parsed, const po::options_description& desc) {
  int verbosity = 0;
  std::vector<po::option> kept;
  for (auto it = parsed.options.rbegin(); it != parsed.options.rend(); ++it) {
    if (it->string_key == "verbose") {
      ++verbosity;
      continue;
    }
    const po::option_description* d = desc.find_nothrow(it->string_key, false);
    const bool repeatable = d && d->semantic()->is_composing();
    if (!repeatable && !it->string_key.empty()) {
      bool later = false;
      for (const po::option& k : kept)
        later = later || k.string_key == it->string_key;
      if (later) continue;
    }
    kept.insert(kept.begin(), *it);
  }
  parsed.options = std::move(kept);
  return verbosity;
}

std::string HelpText(const po::options_description& desc) {
  std::ostringstream out;
  out << "check_exchange_delivery " << kVersion << "\n" << kUsage << desc << kExamples;
  return out.str();
}

}  // namespace

Result<ParsedCommandLine> ParseCommandLine(int argc, const char* const argv[]) {
  ParsedCommandLine parsed;
  const po::options_description desc = MakeOptions();
  po::options_description with_mode = desc;
  with_mode.add_options()("mode", po::value<std::string>(), "check mode");
  po::positional_options_description positional;
  positional.add("mode", 1);

  po::variables_map vm;
  int verbosity = 0;
  try {
    // As lib/extra_opts.c: the options read from --extra-opts files come first, the command line
    // after them, and then the usual "last one wins" applies.
    std::vector<std::string> command_line;
    const std::vector<std::string> specs =
        TakeExtraOpts(std::vector<std::string>(argv + 1, argv + argc), command_line);
    std::vector<std::string> args;
    for (const std::string& spec : specs) {
      auto extra = ReadExtraOpts(spec, desc);
      if (!extra) return extra.status();
      args.insert(args.end(), extra->begin(), extra->end());
    }
    args.insert(args.end(), command_line.begin(), command_line.end());
    // Unix style without guessing: abbreviated long options would change meaning as options are
    // added, which is not what a monitoring configuration should depend on.
    po::parsed_options options =
        po::command_line_parser(args)
            .options(with_mode)
            .positional(positional)
            .style(po::command_line_style::unix_style & ~po::command_line_style::allow_guessing)
            .run();
    verbosity = ResolveOccurrences(options, with_mode);
    po::store(options, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    // The guidelines' "diagnostic and the usage", on the one status line a monitoring core shows.
    return Bad(std::string(e.what()) +
               "; usage: check_exchange_delivery MODE [options], see --help");
  }

  if (vm.count("help")) {
    parsed.action = ParsedCommandLine::Action::kHelp;
    parsed.help_text = HelpText(desc);
    return parsed;
  }
  if (vm.count("version")) {
    parsed.action = ParsedCommandLine::Action::kVersion;
    return parsed;
  }

  CheckOptions& o = parsed.options;
  if (!vm.count("mode")) return Bad("missing MODE (mailbox, queue, events or all); see --help");
  const std::string mode = vm["mode"].as<std::string>();
  if (mode == "mailbox") {
    o.mode = Mode::kMailbox;
  } else if (mode == "queue") {
    o.mode = Mode::kQueue;
  } else if (mode == "events") {
    o.mode = Mode::kEvents;
  } else if (mode == "all") {
    o.mode = Mode::kAll;
  } else {
    return Bad("unknown MODE '" + mode + "' (expected mailbox, queue, events or all)");
  }

  auto strings = [&vm](const char* name) {
    return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string>();
  };
  auto string = [&vm](const char* name) {
    return vm.count(name) ? vm[name].as<std::string>() : std::string();
  };
  o.ldap_uris = strings("ldap-uri");
  for (const std::string& uri : o.ldap_uris) {
    if (uri.rfind("ldap://", 0) != 0 && uri.rfind("ldaps://", 0) != 0 &&
        uri.rfind("ldapi://", 0) != 0) {
      return Bad("--ldap-uri '" + uri + "': expected ldap://, ldaps:// or ldapi://");
    }
  }
  o.base = string("base");
  o.bind_dn = string("bind-dn");
  o.sasl_mech = string("sasl-mech");
  o.password_file = string("password-file");
  o.password_env = string("password-env");
  if (!o.password_file.empty() && !o.password_env.empty()) {
    return Bad("--password-file and --password-env are mutually exclusive");
  }
  o.starttls = vm["starttls"].as<bool>();
  o.ca_file = string("ca-file");
  o.insecure_skip_verify = vm["insecure-skip-verify"].as<bool>();
  o.servers = strings("server");
  o.recovery_group_name = vm["recovery-group-name"].as<std::string>();

  for (const std::string& spec : strings("tracking-dir")) {
    auto p = ParseNamedPath(spec);
    if (!p) return p.status().WithContext("--tracking-dir");
    o.tracking_dirs.push_back(*p);
  }
  for (const std::string& spec : strings("event-file")) {
    auto p = ParseNamedPath(spec);
    if (!p) return p.status().WithContext("--event-file");
    o.event_files.push_back(*p);
  }
  for (const std::string& spec : strings("queue-snapshot")) {
    auto p = ParseNamedPath(spec);
    if (!p) return p.status().WithContext("--queue-snapshot");
    o.queue_snapshots.push_back(*p);
  }
  o.snapshot_max_age = vm["snapshot-max-age"].as<int64_t>();
  if (o.snapshot_max_age <= 0)
    return Bad("--snapshot-max-age must be a positive number of seconds");
  o.snapshot_tolerance = vm["snapshot-tolerance"].as<int64_t>();
  if (o.snapshot_tolerance < 0) return Bad("--snapshot-tolerance must not be negative");
  o.event_tz = string("event-tz");
  o.state_file = string("state-file");
  {
    auto table = MakeTrackingEventTable(string("attempt-events"), string("end-events"));
    if (!table) return Bad(table.status().message());
    o.tracking_events = *table;
  }
  o.max_in_flight = vm["max-in-flight"].as<uint64_t>();
  if (o.max_in_flight == 0) return Bad("--max-in-flight must be at least 1");
  if (vm.count("now")) {
    auto t = ParseIso8601(string("now"));
    if (!t)
      return Bad("--now '" + string("now") + "': expected ISO 8601, e.g. 2026-11-25T14:00:00Z");
    o.now = *t;
  }

  if (Status s = FillThresholds(vm, "warning-age", "critical-age", o.age); !s.ok()) return s;
  if (Status s = FillThresholds(vm, "warning-stalled", "critical-stalled", o.stalled); !s.ok())
    return s;
  if (Status s =
          FillThresholds(vm, "warning-logon-failures", "critical-logon-failures", o.logon_failures);
      !s.ok())
    return s;
  if (Status s =
          FillThresholds(vm, "warning-failing-stores", "critical-failing-stores", o.failing_stores);
      !s.ok())
    return s;
  // -w/-c alias the mode's primary metric; in "all" they are ambiguous, so refuse them there.
  if (vm.count("warning") || vm.count("critical")) {
    Thresholds* primary = nullptr;
    switch (o.mode) {
      case Mode::kMailbox:
        primary = &o.failing_stores;
        break;
      case Mode::kQueue:
        primary = &o.age;
        break;
      case Mode::kEvents:
        primary = &o.logon_failures;
        break;
      case Mode::kAll:
        return Bad("-w/-c are ambiguous in mode 'all'; use the named thresholds");
    }
    if (vm.count("warning")) {
      auto w = OptionalRange(vm, "warning");
      if (!w) return w.status();
      primary->warning = *w;
    }
    if (vm.count("critical")) {
      auto c = OptionalRange(vm, "critical");
      if (!c) return c.status();
      primary->critical = *c;
    }
  }

  for (const std::string& spec : strings("finding-severity")) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos)
      return Bad("--finding-severity '" + spec + "': expected KIND=STATE");
    auto kind = ParseFindingKind(spec.substr(0, eq));
    if (!kind) return Bad("--finding-severity: unknown finding kind '" + spec.substr(0, eq) + "'");
    auto state = ParseState(spec.substr(eq + 1));
    if (!state) return Bad("--finding-severity: unknown state '" + spec.substr(eq + 1) + "'");
    o.finding_severity[*kind] = *state;
  }
  o.window_seconds = vm["window"].as<int64_t>();
  if (o.window_seconds <= 0) return Bad("--window must be a positive number of seconds");
  if (vm.count("since")) {
    auto t = ParseIso8601(string("since"));
    if (!t) return Bad("--since '" + string("since") + "': expected ISO 8601");
    o.since = *t;
  }

  o.remediation_ldif = string("remediation-ldif");
  {
    auto state = ParseState(string("unreachable-state"));
    if (!state) return Bad("--unreachable-state: expected OK, WARNING, CRITICAL or UNKNOWN");
    o.unreachable_state = *state;
  }
  {
    const std::string spec = string("timeout");
    const size_t colon = spec.find(':');
    const std::string seconds = spec.substr(0, colon);
    char* end = nullptr;
    const long long value = std::strtoll(seconds.c_str(), &end, 10);
    if (seconds.empty() || *end != '\0' || value <= 0 || value > 86400) {
      return Bad("--timeout '" + spec + "': expected SEC[:STATE] with 1 <= SEC <= 86400");
    }
    o.timeout_seconds = value;
    if (colon != std::string::npos) {
      auto state = ParseState(spec.substr(colon + 1));
      if (!state) return Bad("--timeout '" + spec + "': unknown state after ':'");
      o.timeout_state = *state;
    }
  }
  o.verbosity = verbosity;
  return parsed;
}

}  // namespace exdm::check
