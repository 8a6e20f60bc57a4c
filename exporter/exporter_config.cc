#include "exporter_config.h"

#include <boost/program_options.hpp>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "exdm/base/small_file.h"
#include "listen_address.h"

namespace po = boost::program_options;

namespace exdm::exporter {
namespace {

// An INI of a few dozen keys; a megabyte is far beyond any real one.
constexpr size_t kMaxConfigBytes = 1 << 20;

// Options that may appear in the INI file as well as on the command line. The INI key
// "[ldap] uri" is the option "ldap.uri" (Boost.Program_options' section.key convention).
po::options_description FileOptions() {
  po::options_description ldap("LDAP audit ([ldap] section)");
  ldap.add_options()("ldap.uri", po::value<std::vector<std::string>>(),
                     "ldap:// or ldaps:// URI (repeatable: audit several DCs/GCs and compare)")(
      "ldap.base", po::value<std::string>(),
      "configuration naming context (default: from the root DSE)")(
      "ldap.bind_dn", po::value<std::string>(), "simple bind identity")(
      "ldap.sasl_mech", po::value<std::string>(), "SASL mechanism (GSSAPI) instead of simple bind")(
      "ldap.password_file", po::value<std::string>(),
      "bind password file (first line); ${CREDENTIALS_DIRECTORY}/NAME reads systemd's "
      "LoadCredential=NAME:...")("ldap.starttls", po::value<bool>()->implicit_value(true),
                                 "use StartTLS on ldap://")(
      "ldap.ca_file", po::value<std::string>(), "CA certificates for TLS verification")(
      "ldap.insecure_skip_verify", po::value<bool>()->implicit_value(true),
      "do not verify the server certificate (logged as a warning)")(
      "ldap.server", po::value<std::vector<std::string>>(),
      "restrict the audit to this Exchange server (repeatable)")(
      "ldap.recovery_group_name", po::value<std::string>(),
      (std::string("a storage group of this name is a recovery storage group (default \"") +
       kDefaultRecoveryGroupName + "\"; empty: the name rule is off)")
          .c_str())("ldap.timeout", po::value<int>(),
                    "seconds one audit run may take (default 20)");
  po::options_description inputs("Tracking logs and events ([tracking], [events] sections)");
  inputs.add_options()("tracking.dir", po::value<std::vector<std::string>>(),
                       "[NAME=]DIR: one server's message tracking log directory (repeatable)")(
      "tracking.attempt_events", po::value<std::string>(),
      "tracking event IDs that are delivery attempts (default 1028,1023)")(
      "tracking.end_events", po::value<std::string>(),
      "tracking event IDs that end a delivery (default 1030,1021,50,51,52)")(
      "tracking.max_in_flight", po::value<uint64_t>(),
      "local deliveries tracked per server at most (default 2000000); more count as overflow")(
      "events.file", po::value<std::vector<std::string>>(),
      "[NAME=]FILE: exported application log, CSV or JSON lines (repeatable)")(
      "events.tz", po::value<std::string>(), "time zone of event timestamps without one (UTC)");
  po::options_description snapshots("WMI queue snapshots ([queue_snapshot] section)");
  snapshots.add_options()("queue_snapshot.file", po::value<std::vector<std::string>>(),
                          "[NAME=]FILE: one server's exchange-queue-snapshot.vbs output "
                          "(repeatable)")(
      "queue_snapshot.max_age", po::value<int>(),
      "seconds after which a snapshot is stale and refused (default 900)");
  po::options_description store(
      "Store snapshots ([mailbox_snapshot] and [dsaccess_snapshot] sections)");
  store.add_options()("mailbox_snapshot.file", po::value<std::vector<std::string>>(),
                      "[NAME=]FILE: one server's <SERVER>-mailboxes.csv from "
                      "exchange-store-snapshot.vbs (repeatable)")(
      "mailbox_snapshot.interval", po::value<int>(),
      "seconds between mailbox snapshot reads (default 60)")(
      "mailbox_snapshot.max_age", po::value<int>(),
      "seconds after which a mailbox snapshot is stale and refused (default 900)")(
      "dsaccess_snapshot.file", po::value<std::vector<std::string>>(),
      "[NAME=]FILE: one server's <SERVER>-dsaccess.csv from exchange-store-snapshot.vbs "
      "(repeatable)")("dsaccess_snapshot.interval", po::value<int>(),
                      "seconds between DSAccess snapshot reads (default 60)")(
      "dsaccess_snapshot.max_age", po::value<int>(),
      "seconds after which a DSAccess snapshot is stale and refused (default 900)");
  po::options_description exporter("Exporter ([exporter] section)");
  exporter.add_options()("exporter.listen_address", po::value<std::vector<std::string>>(),
                         "same as --web.listen-address")(
      "exporter.audit_interval", po::value<int>(), "seconds between LDAP audits (default 300)")(
      "exporter.tracking_interval", po::value<int>(),
      "seconds between tracking log reads (default 15)")(
      "exporter.events_interval", po::value<int>(),
      "seconds between event file reads (default 60)")(
      "exporter.queue_snapshot_interval", po::value<int>(),
      "seconds between queue snapshot reads (default 60)")(
      "exporter.read_timeout", po::value<int>(),
      "seconds a refresh waits on a hung file share (default: tracking and events 4 x their "
      "interval, at least 60; queue snapshots their interval, at least 10)")(
      "exporter.state_dir", po::value<std::string>(),
      "directory for incremental read state (default /var/lib/exchange-delivery-monitor)");
  po::options_description web("Web ([web] section)");
  web.add_options()("web.listen-address", po::value<std::vector<std::string>>(),
                    "[HOST]:PORT to listen on (repeatable, default :9755; :PORT is every "
                    "IPv4 and IPv6 address, [::1]:PORT an IPv6 one, a host name every address "
                    "it resolves to)")(
      "web.systemd-socket", po::value<bool>()->implicit_value(true),
      "serve on the sockets systemd passes (socket activation) instead of the listen addresses")(
      "web.telemetry-path", po::value<std::string>(), "path of the metrics (default /metrics)")(
      "web.config.file", po::value<std::string>(),
      "exporter-toolkit web config (YAML: tls_server_config, http_server_config, "
      "basic_auth_users)");
  po::options_description log("Logging ([log] section)");
  log.add_options()("log.level", po::value<std::string>(),
                    "only log messages with this level or above: debug, info, warn, error "
                    "(default info)")("log.format", po::value<std::string>(),
                                      "log line format: logfmt or json (default logfmt)");
  po::options_description all;
  all.add(ldap).add(inputs).add(snapshots).add(store).add(exporter).add(web).add(log);
  return all;
}

template <typename T>
void Take(const po::variables_map& vm, const char* key, T& out) {
  if (vm.count(key)) out = vm[key].as<T>();
}

Result<std::chrono::seconds> Interval(const po::variables_map& vm, const char* key,
                                      std::chrono::seconds fallback) {
  if (!vm.count(key)) return fallback;
  const int value = vm[key].as<int>();
  if (value < 1) return Status(ErrorCode::kInvalidArgument, std::string(key) + " must be >= 1");
  return std::chrono::seconds(value);
}

Status TakeNamedPaths(const po::variables_map& vm, const char* key, std::vector<NamedPath>& out) {
  if (!vm.count(key)) return Status::Ok();
  for (const std::string& spec : vm[key].as<std::vector<std::string>>()) {
    Result<NamedPath> parsed = ParseNamedPath(spec);
    if (!parsed.ok()) return parsed.status().WithContext(key);
    for (const NamedPath& seen : out) {
      if (seen.server == parsed->server) {
        return Status(ErrorCode::kInvalidArgument,
                      std::string(key) + ": server " + seen.server + " given twice");
      }
    }
    out.push_back(std::move(parsed).value());
  }
  return Status::Ok();
}

// systemd passes LoadCredential= secrets in a directory named by $CREDENTIALS_DIRECTORY (its
// path is systemd's business), and an INI file cannot ask systemd to expand %d. So this one
// variable, and only as the start of the path, is expanded here; any other "${" is refused
// rather than read as a file name.
Result<std::string> ExpandCredentialsDirectory(const std::string& key, const std::string& path) {
  static const std::string kVariable = "${CREDENTIALS_DIRECTORY}";
  if (path.find("${") == std::string::npos) return path;
  if (path.rfind(kVariable + "/", 0) != 0) {
    return Status(ErrorCode::kInvalidArgument,
                  key + ": only ${CREDENTIALS_DIRECTORY}/ at the start is expanded (" + path + ")");
  }
  const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
  if (directory == nullptr || *directory == '\0') {
    return Status(ErrorCode::kInvalidArgument,
                  key + " is " + path +
                      ", but CREDENTIALS_DIRECTORY is not set: systemd sets it for a unit with "
                      "LoadCredential=; started any other way, give the file's own path");
  }
  return directory + path.substr(kVariable.size());
}

Status TakeLdap(const po::variables_map& vm, ExporterConfig& c) {
  LdapSettings& ldap = c.ldap;
  Take(vm, "ldap.uri", ldap.uris);
  Take(vm, "ldap.base", ldap.base);
  Take(vm, "ldap.bind_dn", ldap.bind_dn);
  Take(vm, "ldap.sasl_mech", ldap.sasl_mech);
  Take(vm, "ldap.password_file", ldap.password_file);
  auto password_file = ExpandCredentialsDirectory("ldap.password_file", ldap.password_file);
  if (!password_file.ok()) return password_file.status();
  ldap.password_file = *password_file;
  Take(vm, "ldap.starttls", ldap.starttls);
  Take(vm, "ldap.ca_file", ldap.ca_file);
  Take(vm, "ldap.insecure_skip_verify", ldap.insecure_skip_verify);
  ldap.ca_file_option = "ldap.ca_file";
  ldap.insecure_option = "ldap.insecure_skip_verify";
  Take(vm, "ldap.server", ldap.servers);
  Take(vm, "ldap.recovery_group_name", ldap.recovery_group_name);
  auto timeout = Interval(vm, "ldap.timeout", c.ldap_timeout);
  if (!timeout.ok()) return timeout.status();
  c.ldap_timeout = *timeout;
  return Status::Ok();
}

Status TakeTracking(const po::variables_map& vm, TrackingSettings& tracking) {
  if (Status s = TakeNamedPaths(vm, "tracking.dir", tracking.dirs); !s.ok()) return s;
  if (vm.count("tracking.max_in_flight")) {
    const uint64_t cap = vm["tracking.max_in_flight"].as<uint64_t>();
    if (cap == 0)
      return Status(ErrorCode::kInvalidArgument, "tracking.max_in_flight must be at least 1");
    tracking.max_in_flight = static_cast<size_t>(cap);
  }
  std::string attempts, ends;
  Take(vm, "tracking.attempt_events", attempts);
  Take(vm, "tracking.end_events", ends);
  auto table = MakeTrackingEventTable(attempts, ends);
  if (!table.ok()) return table.status().WithContext("[tracking]");
  tracking.events = *table;
  return Status::Ok();
}

Status TakeEvents(const po::variables_map& vm, EventSettings& events) {
  if (Status s = TakeNamedPaths(vm, "events.file", events.files); !s.ok()) return s;
  Take(vm, "events.tz", events.time_zone);
  return Status::Ok();
}

Status TakeQueueSnapshot(const po::variables_map& vm, QueueSnapshotSettings& snapshot) {
  if (Status s = TakeNamedPaths(vm, "queue_snapshot.file", snapshot.files); !s.ok()) return s;
  auto max_age =
      Interval(vm, "queue_snapshot.max_age", std::chrono::seconds(snapshot.max_age_seconds));
  if (!max_age.ok()) return max_age.status();
  snapshot.max_age_seconds = max_age->count();
  return Status::Ok();
}

// [mailbox_snapshot] or [dsaccess_snapshot]: file, interval, max_age.
Status TakeStoreSnapshot(const po::variables_map& vm, const std::string& section,
                         StoreSnapshotSettings& snapshot, std::chrono::seconds& interval) {
  const std::string file = section + ".file", every = section + ".interval",
                    age = section + ".max_age";
  if (Status s = TakeNamedPaths(vm, file.c_str(), snapshot.files); !s.ok()) return s;
  auto max_age = Interval(vm, age.c_str(), std::chrono::seconds(snapshot.max_age_seconds));
  if (!max_age.ok()) return max_age.status();
  snapshot.max_age_seconds = max_age->count();
  auto read_every = Interval(vm, every.c_str(), interval);
  if (!read_every.ok()) return read_every.status();
  interval = *read_every;
  return Status::Ok();
}

Status TakeIntervals(const po::variables_map& vm, ExporterConfig& c) {
  const struct {
    const char* key;
    std::chrono::seconds ExporterConfig::*field;
  } kIntervals[] = {
      {"exporter.queue_snapshot_interval", &ExporterConfig::queue_snapshot_interval},
      {"exporter.audit_interval", &ExporterConfig::audit_interval},
      {"exporter.tracking_interval", &ExporterConfig::tracking_interval},
      {"exporter.events_interval", &ExporterConfig::events_interval},
      {"exporter.read_timeout", &ExporterConfig::read_timeout},
  };
  for (const auto& interval : kIntervals) {
    auto value = Interval(vm, interval.key, c.*interval.field);
    if (!value.ok()) return value.status();
    c.*interval.field = *value;
  }
  return Status::Ok();
}

Result<ExporterConfig> Build(const po::variables_map& vm) {
  ExporterConfig c;
  Take(vm, "config.file", c.config_file);
  if (Status s = TakeLdap(vm, c); !s.ok()) return s;
  if (Status s = TakeTracking(vm, c.tracking); !s.ok()) return s;
  if (Status s = TakeEvents(vm, c.events); !s.ok()) return s;
  if (Status s = TakeQueueSnapshot(vm, c.queue_snapshot); !s.ok()) return s;
  if (Status s = TakeStoreSnapshot(vm, "mailbox_snapshot", c.mailbox_snapshot,
                                   c.mailbox_snapshot_interval);
      !s.ok())
    return s;
  if (Status s = TakeStoreSnapshot(vm, "dsaccess_snapshot", c.dsaccess_snapshot,
                                   c.dsaccess_snapshot_interval);
      !s.ok())
    return s;
  if (Status s = TakeIntervals(vm, c); !s.ok()) return s;
  Take(vm, "exporter.state_dir", c.state_dir);
  // --web.listen-address wins over [exporter] listen_address; both default to :9755.
  Take(vm, "exporter.listen_address", c.listen_addresses);
  Take(vm, "web.listen-address", c.listen_addresses);
  if (c.listen_addresses.empty()) c.listen_addresses = {":9755"};
  for (const std::string& address : c.listen_addresses) {
    if (Result<ListenAddress> parsed = ParseListenAddress(address); !parsed.ok()) {
      return parsed.status();
    }
  }
  Take(vm, "web.systemd-socket", c.systemd_socket);
  Take(vm, "web.telemetry-path", c.telemetry_path);
  if (c.telemetry_path.empty() || c.telemetry_path.front() != '/' || c.telemetry_path == "/") {
    return Status(ErrorCode::kInvalidArgument,
                  "web.telemetry-path must start with '/' and not be '/' (the landing page)");
  }
  for (char ch : c.telemetry_path) {
    // Plain characters only: the path is compared byte for byte and shown in the landing page.
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '_' || ch == '-' ||
          ch == '.')) {
      return Status(ErrorCode::kInvalidArgument,
                    "web.telemetry-path may only hold letters, digits and / _ - .");
    }
  }
  Take(vm, "web.config.file", c.web_config_file);
  if (vm.count("log.level")) {
    auto level = ParseLogLevel(vm["log.level"].as<std::string>());
    if (!level.ok()) return level.status();
    c.log.level = *level;
  }
  if (vm.count("log.format")) {
    auto json = ParseLogFormatIsJson(vm["log.format"].as<std::string>());
    if (!json.ok()) return json.status();
    c.log.json = *json;
  }
  return c;
}

}  // namespace

Result<ParsedExporterCommandLine> ParseExporterCommandLine(int argc, const char* const argv[]) {
  po::options_description generic("General");
  generic.add_options()("config.file", po::value<std::string>(),
                        "INI configuration file (every key is a flag too)")(
      "version", "print the version and exit")("help,h", "print this help and exit");
  const po::options_description file_options = FileOptions();
  po::options_description cmdline;
  cmdline.add(generic).add(file_options);

  ParsedExporterCommandLine parsed;
  po::variables_map vm;
  try {
    // Command line first: for every key, the first store wins, so flags override the file.
    po::store(po::parse_command_line(argc, argv, cmdline), vm);
    if (vm.count("help")) {
      std::ostringstream help;
      help << "Usage: exchange_delivery_exporter --config.file FILE [options]\n\n"
           << "Exports what check_exchange_delivery checks (SMTP mailbox integrity in AD, local\n"
           << "delivery stalls from message tracking logs, store driver events) as Prometheus\n"
           << "metrics. Slow work runs in the background; scrapes serve the latest snapshot.\n"
           << cmdline;
      parsed.action = ParsedExporterCommandLine::Action::kHelp;
      parsed.help_text = help.str();
      return parsed;
    }
    if (vm.count("version")) {
      parsed.action = ParsedExporterCommandLine::Action::kVersion;
      return parsed;
    }
    if (vm.count("config.file")) {
      const std::string path = vm["config.file"].as<std::string>();
      // Regular files only, size-capped, within a bound (small_file.h): a FIFO or /dev/zero
      // named here is refused at once, at start and on SIGHUP.
      Result<std::string> text =
          ReadSmallFile(path, "config file", kMaxConfigBytes, Deadline::After(kConfigReadTimeout));
      if (!text.ok()) return text.status();
      std::istringstream in(*text);
      // The check reads its own options from the same file (docs/ARCHITECTURE.md "Exporter
      // configuration": section [check_exchange_delivery], via --extra-opts); any other unknown
      // key is a typo.
      po::parsed_options file = po::parse_config_file(in, file_options, true);
      for (const po::option& o : file.options) {
        if (o.unregistered && o.string_key.rfind("check_exchange_delivery.", 0) != 0) {
          return Status(ErrorCode::kInvalidArgument,
                        "unknown key '" + o.string_key + "' in config file " + path);
        }
      }
      try {
        po::store(file, vm);
      } catch (const po::multiple_occurrences& e) {
        // A single-valued key twice in the file (repeatable keys add up): refused rather than
        // one of the two silently winning.
        std::string key = e.get_option_name();
        key.erase(0, key.find_first_not_of('-'));
        return Status(
            ErrorCode::kInvalidArgument,
            "key '" + key + "' is given twice in config file " + path + "; it takes one value");
      }
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return Status(ErrorCode::kInvalidArgument, e.what());
  }
  Result<ExporterConfig> config = Build(vm);
  if (!config.ok()) return config.status();
  parsed.config = std::move(config).value();
  return parsed;
}

}  // namespace exdm::exporter
