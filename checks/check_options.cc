#include "check_options.h"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <sstream>

#include "exdm/base/time_util.h"
#include "exdm/version.h"
#include "extra_opts.h"

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

std::optional<Mode> ParseModeName(const std::string& word) {
  for (Mode mode : {Mode::kMailbox, Mode::kQueue, Mode::kEvents, Mode::kAll}) {
    if (word == ModeName(mode)) return mode;
  }
  return std::nullopt;
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

po::options_description LdapOptions() {
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

  return ldap;
}

po::options_description InputOptions() {
  po::options_description inputs("Inputs", kHelpWidth, kHelpWidth / 2);
  inputs.add_options()
      ("tracking-dir", po::value<std::vector<std::string>>()->composing(),
       "[NAME=]DIR: one server's message tracking directory (repeatable)")
      ("event-file", po::value<std::vector<std::string>>()->composing(),
       "[NAME=]FILE: exported application log, Log Parser CSV or NXLog JSON lines (repeatable)")
      ("queue-snapshot", po::value<std::vector<std::string>>()->composing(),
       "[NAME=]FILE: one server's WMI queue snapshot (exchange-queue-snapshot.vbs; repeatable)")
      ("mailbox-snapshot", po::value<std::vector<std::string>>()->composing(),
       "[NAME=]FILE: one server's store mailbox snapshot (exchange-store-snapshot.vbs; "
       "repeatable)")
      ("dsaccess-snapshot", po::value<std::vector<std::string>>()->composing(),
       "[NAME=]FILE: one server's DSAccess snapshot (exchange-store-snapshot.vbs; repeatable)")
      ("snapshot-max-age", po::value<int64_t>()->default_value(900),
       "refuse queue, mailbox and DSAccess snapshots older than this many seconds")
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

  return inputs;
}

po::options_description ThresholdOptions() {
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

  return thresholds;
}

po::options_description OtherOptions() {
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

  return other;
}

po::options_description MakeOptions() {
  po::options_description all(kHelpWidth, kHelpWidth / 2);
  all.add(LdapOptions()).add(InputOptions()).add(ThresholdOptions()).add(OtherOptions());
  return all;
}
// clang-format on

// ---- Reading the words: --extra-opts files first, then the command line, Unix style.

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

Status Bad(const std::string& message) {
  return Status(ErrorCode::kInvalidArgument, message);
}

// Boost's message for a command line it cannot parse, without the value that was given: an
// unknown option may be a password option of another tool ("--passwd=...", "-wSECRET" of a
// different -w), and a value refused by an option may be a password typed at the wrong one.
std::string DescribeOptionError(const po::error& e) {
  if (const auto* unknown = dynamic_cast<const po::unknown_option*>(&e)) {
    std::string name = unknown->get_option_name();
    name = name.substr(0, name.find('='));
    if (name.size() > 2 && name[0] == '-' && name[1] != '-') name.resize(2);  // "-xVALUE"
    return "unrecognised option '" + name + "'";
  }
  if (const auto* invalid = dynamic_cast<const po::validation_error*>(&e)) {
    return "the value given to '" + invalid->get_option_name() +
           "' is not valid for it (the value is not shown)";
  }
  return e.what();
}

struct Words {
  po::variables_map vm;
  int verbosity = 0;
};

// As lib/extra_opts.c: the options read from --extra-opts files come first, the command line
// after them, and then the usual "last one wins" applies.
Result<std::vector<std::string>> ExpandExtraOpts(int argc, const char* const argv[],
                                                 const po::options_description& desc) {
  std::vector<std::string> command_line;
  const std::vector<std::string> specs =
      TakeExtraOpts(std::vector<std::string>(argv + 1, argv + argc), command_line);
  std::vector<std::string> args;
  const Deadline files_deadline = ExtraOptsDeadline(command_line);
  for (const std::string& spec : specs) {
    auto extra = ReadExtraOpts(spec, desc, files_deadline);
    if (!extra) return extra.status();
    args.insert(args.end(), extra->begin(), extra->end());
  }
  args.insert(args.end(), command_line.begin(), command_line.end());
  return args;
}

Result<Words> ReadWords(int argc, const char* const argv[], const po::options_description& desc) {
  po::options_description with_mode = desc;
  with_mode.add_options()("mode", po::value<std::string>(), "check mode");
  po::positional_options_description positional;
  positional.add("mode", 1);
  Words words;
  try {
    auto args = ExpandExtraOpts(argc, argv, desc);
    if (!args) return args.status();
    // Unix style without guessing: abbreviated long options would change meaning as options are
    // added, which is not what a monitoring configuration should depend on.
    po::parsed_options options =
        po::command_line_parser(*args)
            .options(with_mode)
            .positional(positional)
            .style(po::command_line_style::unix_style & ~po::command_line_style::allow_guessing)
            .run();
    words.verbosity = ResolveOccurrences(options, with_mode);
    po::store(options, words.vm);
    po::notify(words.vm);
  } catch (const po::error& e) {
    // The guidelines' "diagnostic and the usage", on the one status line a monitoring core shows.
    return Bad(DescribeOptionError(e) +
               "; usage: check_exchange_delivery MODE [options], see --help");
  }
  return words;
}

// ---- Conversion and validation, one group at a time: words in, CheckOptions fields out.

std::vector<std::string> Strings(const po::variables_map& vm, const char* name) {
  return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string>();
}

std::string String(const po::variables_map& vm, const char* name) {
  return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

Result<std::optional<Range>> OptionalRange(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::optional<Range>();
  const std::string& text = vm[name].as<std::string>();
  if (text.empty() || text == "none") return std::optional<Range>();
  auto range = Range::Parse(text);
  if (!range) {
    // ldapsearch's -w is the bind password: whatever was given to -w is never echoed.
    if (std::string(name) == "warning") {
      return Bad(
          "-w/--warning: not a range (the value is not shown; -w is a threshold here, not "
          "ldapsearch's bind password: use --password-file or --password-env)");
    }
    return range.status().WithContext(std::string("--") + name);
  }
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

Result<std::vector<NamedPath>> NamedPaths(const po::variables_map& vm, const char* name) {
  std::vector<NamedPath> out;
  for (const std::string& spec : Strings(vm, name)) {
    auto p = ParseNamedPath(spec);
    if (!p) return p.status().WithContext(std::string("--") + name);
    out.push_back(*p);
  }
  return out;
}

Result<int64_t> IsoTime(const po::variables_map& vm, const char* name, const char* example) {
  auto t = ParseIso8601(String(vm, name));
  if (!t)
    return Bad(std::string("--") + name + " '" + String(vm, name) + "': expected ISO 8601" +
               example);
  return *t;
}

Result<Mode> TakeMode(const po::variables_map& vm) {
  if (!vm.count("mode")) return Bad("missing MODE (mailbox, queue, events or all); see --help");
  const std::string word = vm["mode"].as<std::string>();
  const std::optional<Mode> mode = ParseModeName(word);
  if (!mode) return Bad("unknown MODE '" + word + "' (expected mailbox, queue, events or all)");
  return *mode;
}

Status TakeLdap(const po::variables_map& vm, CheckOptions& o) {
  LdapSettings& ldap = o.ldap;
  ldap.uris = Strings(vm, "ldap-uri");
  for (const std::string& uri : ldap.uris) {
    if (uri.rfind("ldap://", 0) != 0 && uri.rfind("ldaps://", 0) != 0 &&
        uri.rfind("ldapi://", 0) != 0) {
      return Bad("--ldap-uri '" + uri + "': expected ldap://, ldaps:// or ldapi://");
    }
  }
  ldap.base = String(vm, "base");
  ldap.bind_dn = String(vm, "bind-dn");
  ldap.sasl_mech = String(vm, "sasl-mech");
  ldap.password_file = String(vm, "password-file");
  ldap.password_env = String(vm, "password-env");
  if (!ldap.password_file.empty() && !ldap.password_env.empty()) {
    return Bad("--password-file and --password-env are mutually exclusive");
  }
  ldap.starttls = vm["starttls"].as<bool>();
  ldap.ca_file = String(vm, "ca-file");
  ldap.insecure_skip_verify = vm["insecure-skip-verify"].as<bool>();
  ldap.ca_file_option = "--ca-file";
  ldap.insecure_option = "--insecure-skip-verify";
  ldap.servers = Strings(vm, "server");
  ldap.recovery_group_name = String(vm, "recovery-group-name");
  return Status::Ok();
}

Status TakeTracking(const po::variables_map& vm, CheckOptions& o) {
  TrackingSettings& tracking = o.tracking;
  auto dirs = NamedPaths(vm, "tracking-dir");
  if (!dirs) return dirs.status();
  tracking.dirs = std::move(*dirs);
  auto table = MakeTrackingEventTable(String(vm, "attempt-events"), String(vm, "end-events"));
  if (!table) return Bad(table.status().message());
  tracking.events = *table;
  const uint64_t max_in_flight = vm["max-in-flight"].as<uint64_t>();
  if (max_in_flight == 0) return Bad("--max-in-flight must be at least 1");
  tracking.max_in_flight = static_cast<size_t>(max_in_flight);
  return Status::Ok();
}

Status TakeSnapshots(const po::variables_map& vm, CheckOptions& o) {
  auto files = NamedPaths(vm, "queue-snapshot");
  if (!files) return files.status();
  o.snapshots.files = std::move(*files);
  o.snapshots.max_age_seconds = vm["snapshot-max-age"].as<int64_t>();
  if (o.snapshots.max_age_seconds <= 0)
    return Bad("--snapshot-max-age must be a positive number of seconds");
  auto mailboxes = NamedPaths(vm, "mailbox-snapshot");
  if (!mailboxes) return mailboxes.status();
  o.mailbox_snapshots = {std::move(*mailboxes), o.snapshots.max_age_seconds};
  auto dsaccess = NamedPaths(vm, "dsaccess-snapshot");
  if (!dsaccess) return dsaccess.status();
  o.dsaccess_snapshots = {std::move(*dsaccess), o.snapshots.max_age_seconds};
  o.snapshot_tolerance = vm["snapshot-tolerance"].as<int64_t>();
  if (o.snapshot_tolerance < 0) return Bad("--snapshot-tolerance must not be negative");
  return Status::Ok();
}

Status TakeEvents(const po::variables_map& vm, CheckOptions& o) {
  auto files = NamedPaths(vm, "event-file");
  if (!files) return files.status();
  o.events.files = std::move(*files);
  o.events.time_zone = String(vm, "event-tz");
  o.window_seconds = vm["window"].as<int64_t>();
  if (o.window_seconds <= 0) return Bad("--window must be a positive number of seconds");
  if (vm.count("since")) {
    auto t = IsoTime(vm, "since", "");
    if (!t) return t.status();
    o.since = *t;
  }
  return Status::Ok();
}

Status TakeRunInputs(const po::variables_map& vm, CheckOptions& o) {
  o.state_file = String(vm, "state-file");
  if (vm.count("now")) {
    auto t = IsoTime(vm, "now", ", e.g. 2026-11-25T14:00:00Z");
    if (!t) return t.status();
    o.now = *t;
  }
  return Status::Ok();
}

// -w/-c alias the mode's primary metric; in "all" they are ambiguous, so refuse them there.
Status TakePrimaryAlias(const po::variables_map& vm, CheckOptions& o) {
  if (!vm.count("warning") && !vm.count("critical")) return Status::Ok();
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
  return Status::Ok();
}

Status TakeFindingSeverities(const po::variables_map& vm, CheckOptions& o) {
  for (const std::string& spec : Strings(vm, "finding-severity")) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos)
      return Bad("--finding-severity '" + spec + "': expected KIND=STATE");
    auto kind = ParseFindingKind(spec.substr(0, eq));
    if (!kind) return Bad("--finding-severity: unknown finding kind '" + spec.substr(0, eq) + "'");
    auto state = ParseState(spec.substr(eq + 1));
    if (!state) return Bad("--finding-severity: unknown state '" + spec.substr(eq + 1) + "'");
    o.finding_severity[*kind] = *state;
  }
  return Status::Ok();
}

Status TakeThresholds(const po::variables_map& vm, CheckOptions& o) {
  const struct {
    const char* warning;
    const char* critical;
    Thresholds CheckOptions::*field;
  } kPairs[] = {
      {"warning-age", "critical-age", &CheckOptions::age},
      {"warning-stalled", "critical-stalled", &CheckOptions::stalled},
      {"warning-logon-failures", "critical-logon-failures", &CheckOptions::logon_failures},
      {"warning-failing-stores", "critical-failing-stores", &CheckOptions::failing_stores},
  };
  for (const auto& pair : kPairs) {
    if (Status s = FillThresholds(vm, pair.warning, pair.critical, o.*pair.field); !s.ok())
      return s;
  }
  if (Status s = TakePrimaryAlias(vm, o); !s.ok()) return s;
  return TakeFindingSeverities(vm, o);
}

// "SEC[:STATE]": 1 <= SEC <= 86400, STATE one of the four.
Status TakeTimeout(const std::string& spec, CheckOptions& o) {
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
  return Status::Ok();
}

Status TakeOther(const po::variables_map& vm, CheckOptions& o) {
  o.remediation_ldif = String(vm, "remediation-ldif");
  auto state = ParseState(String(vm, "unreachable-state"));
  if (!state) return Bad("--unreachable-state: expected OK, WARNING, CRITICAL or UNKNOWN");
  o.unreachable_state = *state;
  return TakeTimeout(String(vm, "timeout"), o);
}

Result<CheckOptions> ToCheckOptions(const Words& words) {
  const po::variables_map& vm = words.vm;
  CheckOptions o;
  auto mode = TakeMode(vm);
  if (!mode) return mode.status();
  o.mode = *mode;
  using Step = Status (*)(const po::variables_map&, CheckOptions&);
  for (Step step : {TakeLdap, TakeTracking, TakeSnapshots, TakeEvents, TakeRunInputs,
                    TakeThresholds, TakeOther}) {
    if (Status s = step(vm, o); !s.ok()) return s;
  }
  o.verbosity = words.verbosity;
  return o;
}

std::string HelpText(const po::options_description& desc) {
  std::ostringstream out;
  out << "check_exchange_delivery " << kVersion << "\n" << kUsage << desc << kExamples;
  return out.str();
}

}  // namespace

Result<ParsedCommandLine> ParseCommandLine(int argc, const char* const argv[]) {
  const po::options_description desc = MakeOptions();
  auto words = ReadWords(argc, argv, desc);
  if (!words) return words.status();
  ParsedCommandLine parsed;
  if (words->vm.count("help")) {
    parsed.action = ParsedCommandLine::Action::kHelp;
    parsed.help_text = HelpText(desc);
    return parsed;
  }
  if (words->vm.count("version")) {
    parsed.action = ParsedCommandLine::Action::kVersion;
    return parsed;
  }
  auto options = ToCheckOptions(*words);
  if (!options) return options.status();
  parsed.options = std::move(*options);
  return parsed;
}

}  // namespace exdm::check
