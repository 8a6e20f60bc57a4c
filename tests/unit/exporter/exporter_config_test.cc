// The exporter's command line and INI file (docs/ARCHITECTURE.md "Exporter command line",
// "Exporter configuration").
#include "exporter_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "check_options.h"

namespace exdm::exporter {
namespace {

class ExporterConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/exdm-exporter-config-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    std::remove(file_.c_str());
    rmdir(dir_.c_str());
  }
  std::string Write(const std::string& text) {
    file_ = dir_ + "/exporter.ini";
    std::ofstream(file_) << text;
    return file_;
  }
  Result<ParsedExporterCommandLine> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "exchange_delivery_exporter");
    std::vector<const char*> argv;
    for (const auto& a : args)
      argv.push_back(a.c_str());
    return ParseExporterCommandLine(static_cast<int>(argv.size()), argv.data());
  }
  std::string dir_, file_;
};

TEST_F(ExporterConfigTest, DefaultsFollowTheDesign) {
  auto parsed = Parse({});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const ExporterConfig& c = parsed->config;
  EXPECT_EQ(c.listen_addresses, std::vector<std::string>{":9755"});
  EXPECT_EQ(c.telemetry_path, "/metrics");
  EXPECT_EQ(c.audit_interval.count(), 300);
  EXPECT_EQ(c.tracking_interval.count(), 15);
  EXPECT_EQ(c.state_dir, "/var/lib/exchange-delivery-monitor");
  EXPECT_EQ(c.read_timeout.count(), 0) << "each collector's own read budget";
  EXPECT_FALSE(c.AuditEnabled());
}

TEST_F(ExporterConfigTest, ReadTimeoutIsSecondsFromOneUp) {
  auto parsed = Parse({"--config.file", Write("[exporter]\nread_timeout = 30\n")});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->config.read_timeout.count(), 30);
  EXPECT_FALSE(Parse({"--exporter.read_timeout=0"}).ok());
}

TEST_F(ExporterConfigTest, ReadsTheDesignExampleFile) {
  const std::string path = Write(
      "[ldap]\n"
      "uri = ldaps://gc1.contoso.com:3269\n"
      "base = CN=Configuration,DC=contoso,DC=com\n"
      "bind_dn = CN=svc-monitor,OU=Service,DC=contoso,DC=com\n"
      "password_file = /etc/exchange-delivery-monitor/ldap.secret\n"
      "[tracking]\n"
      "dir = EXCH01=/srv/exchange/EXCH01.log\n"
      "dir = EXCH02=/srv/exchange/EXCH02.log\n"
      "[events]\n"
      "file = EXCH01=/srv/exchange/EXCH01-application.jsonl\n"
      "tz = UTC\n"
      "[exporter]\n"
      "listen_address = :9755\n"
      "audit_interval = 300\n"
      "tracking_interval = 15\n"
      "state_dir = /var/lib/exchange-delivery-monitor\n");
  auto parsed = Parse({"--config.file", path});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const ExporterConfig& c = parsed->config;
  EXPECT_EQ(c.ldap.uris, std::vector<std::string>{"ldaps://gc1.contoso.com:3269"});
  EXPECT_EQ(c.ldap.base, "CN=Configuration,DC=contoso,DC=com");
  EXPECT_EQ(c.ldap.bind_dn, "CN=svc-monitor,OU=Service,DC=contoso,DC=com");
  EXPECT_EQ(c.ldap.password_file, "/etc/exchange-delivery-monitor/ldap.secret");
  ASSERT_EQ(c.tracking.dirs.size(), 2u);
  EXPECT_EQ(c.tracking.dirs[1].server, "EXCH02");
  EXPECT_EQ(c.tracking.dirs[1].path, "/srv/exchange/EXCH02.log");
  ASSERT_EQ(c.events.files.size(), 1u);
  EXPECT_EQ(c.events.files[0].server, "EXCH01");
  EXPECT_EQ(c.events.time_zone, "UTC");
  EXPECT_TRUE(c.AuditEnabled());
}

TEST_F(ExporterConfigTest, FlagsOverrideTheFileAndRepeatedFlagsReplaceIt) {
  const std::string path = Write(
      "[tracking]\ndir = EXCH01=/a\ndir = EXCH02=/b\n"
      "[exporter]\nlisten_address = :9755\ntracking_interval = 15\n");
  auto parsed =
      Parse({"--config.file", path, "--tracking.dir", "EXCH09=/z", "--exporter.tracking_interval=5",
             "--web.listen-address", "127.0.0.1:1", "--web.listen-address", "[::1]:2"});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const ExporterConfig& c = parsed->config;
  ASSERT_EQ(c.tracking.dirs.size(), 1u);
  EXPECT_EQ(c.tracking.dirs[0].server, "EXCH09");
  EXPECT_EQ(c.tracking_interval.count(), 5);
  EXPECT_EQ(c.listen_addresses, (std::vector<std::string>{"127.0.0.1:1", "[::1]:2"}));
}

TEST_F(ExporterConfigTest, RejectsBadValuesWithOneLineReasons) {
  EXPECT_FALSE(Parse({"--exporter.audit_interval=0"}).ok());
  EXPECT_FALSE(Parse({"--web.telemetry-path=metrics"}).ok());
  EXPECT_FALSE(Parse({"--web.telemetry-path=/"}).ok());
  EXPECT_FALSE(Parse({"--web.telemetry-path=/m*"}).ok());
  EXPECT_FALSE(Parse({"--no-such-flag"}).ok());
  EXPECT_FALSE(Parse({"--tracking.dir=A=/x", "--tracking.dir=A=/y"}).ok());
  EXPECT_FALSE(Parse({"--config.file", dir_ + "/missing.ini"}).ok());
  const std::string path = Write("[ldap]\nunknown_key = 1\n");
  auto bad = Parse({"--config.file", path});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown_key"), std::string::npos);
}

TEST_F(ExporterConfigTest, HelpAndVersion) {
  auto help = Parse({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(help->action, ParsedExporterCommandLine::Action::kHelp);
  EXPECT_NE(help->help_text.find("--tracking.dir"), std::string::npos);
  EXPECT_NE(help->help_text.find("--web.listen-address"), std::string::npos);
  EXPECT_EQ(Parse({"--version"})->action, ParsedExporterCommandLine::Action::kVersion);
}

TEST_F(ExporterConfigTest, SharesItsFileWithTheChecksSectionButRefusesUnknownKeys) {
  // docs/ARCHITECTURE.md "Exporter configuration": the check reads [check_exchange_delivery]
  // from the same file via --extra-opts.
  const std::string shared = Write(
      "[ldap]\nuri = ldap://dc1.contoso.com\n"
      "[check_exchange_delivery]\nldap-uri = ldap://dc1.contoso.com\ncritical-age = 3600\n");
  auto parsed = Parse({"--config.file", shared});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->config.ldap.uris, std::vector<std::string>{"ldap://dc1.contoso.com"});

  const std::string typo = Write("[ldap]\nurl = ldap://dc1.contoso.com\n");
  auto refused = Parse({"--config.file", typo});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("unknown key 'ldap.url'"), std::string::npos)
      << refused.status().message();
}

// A single-valued key given twice in the file is refused naming it (the last one silently won in
// the check's --extra-opts files; the exporter refuses, and so does the check now); repeatable
// keys add up.
TEST_F(ExporterConfigTest, SingleValuedKeyTwiceIsRefusedRepeatableKeysAddUp) {
  const std::string twice = Write("[exporter]\naudit_interval = 60\naudit_interval = 120\n");
  auto refused = Parse({"--config.file", twice});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "key 'exporter.audit_interval' is given twice in config file " + twice +
                "; it takes one value");
  const std::string repeated =
      Write("[ldap]\nuri = ldap://dc1.contoso.com\nuri = ldap://dc2.contoso.com\n");
  auto parsed = Parse({"--config.file", repeated});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->config.ldap.uris.size(), 2u);
  // The command line still overrides a key the file has once.
  const std::string once = Write("[exporter]\naudit_interval = 60\n");
  auto overridden = Parse({"--config.file", once, "--exporter.audit_interval=5"});
  ASSERT_TRUE(overridden.ok()) << overridden.status().message();
  EXPECT_EQ(overridden->config.audit_interval, std::chrono::seconds(5));
}

// systemd's LoadCredential= hands the secret over in $CREDENTIALS_DIRECTORY; the INI names it so.
TEST_F(ExporterConfigTest, PasswordFileMayStartWithTheCredentialsDirectory) {
  const std::string ini = Write("[ldap]\npassword_file = ${CREDENTIALS_DIRECTORY}/ldap.secret\n");
  setenv("CREDENTIALS_DIRECTORY", "/run/credentials/exchange-delivery-exporter.service", 1);
  auto parsed = Parse({"--config.file", ini});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->config.ldap.password_file,
            "/run/credentials/exchange-delivery-exporter.service/ldap.secret");

  unsetenv("CREDENTIALS_DIRECTORY");
  auto unset = Parse({"--config.file", ini});
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.status().message().find("CREDENTIALS_DIRECTORY is not set"), std::string::npos)
      << unset.status().message();
  // Only that variable, only at the start: anything else would be read as a strange file name.
  for (const char* path : {"${HOME}/ldap.secret", "/etc/${CREDENTIALS_DIRECTORY}/x",
                           "${CREDENTIALS_DIRECTORY}ldap.secret"}) {
    setenv("CREDENTIALS_DIRECTORY", "/run/credentials/x", 1);
    auto refused = Parse({std::string("--ldap.password_file=") + path});
    EXPECT_FALSE(refused.ok()) << path;
  }
  unsetenv("CREDENTIALS_DIRECTORY");
  auto plain = Parse({"--ldap.password_file=/etc/exchange-delivery-monitor/ldap.secret"});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->config.ldap.password_file, "/etc/exchange-delivery-monitor/ldap.secret");
}

TEST_F(ExporterConfigTest, LogLevelAndFormatAreExporterToolkitsFlags) {
  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->config.log.level, LogPriority::kInfo);
  EXPECT_FALSE(defaults->config.log.json);
  auto flags = Parse({"--log.level=debug", "--log.format=json"});
  ASSERT_TRUE(flags.ok()) << flags.status().message();
  EXPECT_EQ(flags->config.log.level, LogPriority::kDebug);
  EXPECT_TRUE(flags->config.log.json);
  auto file = Parse({"--config.file", Write("[log]\nlevel = warn\nformat = logfmt\n")});
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->config.log.level, LogPriority::kWarning);
  EXPECT_EQ(Parse({"--log.level=error"})->config.log.level, LogPriority::kError);
  auto bad_level = Parse({"--log.level=verbose"});
  ASSERT_FALSE(bad_level.ok());
  EXPECT_NE(bad_level.status().message().find("debug, info, warn or error"), std::string::npos);
  EXPECT_FALSE(Parse({"--log.format=text"}).ok());
  EXPECT_FALSE(Parse({"--log.level=WARN"}).ok()) << "exporter-toolkit's names are lower case";
}

TEST_F(ExporterConfigTest, RecoveryStorageGroupNameRuleIsASetting) {
  auto parsed = Parse({});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->config.ldap.recovery_group_name, kDefaultRecoveryGroupName);
  parsed = Parse({"--config.file", Write("[ldap]\nrecovery_group_name =\n")});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->config.ldap.recovery_group_name, "");  // the name rule off
  parsed = Parse({"--config.file", Write("[ldap]\nrecovery_group_name = RSG\n")});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->config.ldap.recovery_group_name, "RSG");
}

// Both front ends fill the same core settings (one struct per source); only the names differ,
// including the ones a refused certificate's message gives as the fix.
TEST_F(ExporterConfigTest, SourcesFillTheSameCoreSettingsAsTheCheck) {
  auto exporter =
      Parse({"--ldap.uri=ldaps://gc1:3269", "--ldap.base=CN=Configuration,DC=x",
             "--ldap.bind_dn=CN=svc", "--ldap.password_file=/etc/s", "--ldap.starttls",
             "--ldap.ca_file=/etc/ca.pem", "--ldap.server=EXCH01", "--ldap.recovery_group_name=RSG",
             "--tracking.dir=EXCH01=/srv/EXCH01.log", "--tracking.attempt_events=1028",
             "--tracking.end_events=1030", "--tracking.max_in_flight=5",
             "--events.file=EXCH01=/srv/EXCH01.jsonl", "--events.tz=Europe/Berlin",
             "--queue_snapshot.file=EXCH01=/srv/q.csv", "--queue_snapshot.max_age=60"});
  ASSERT_TRUE(exporter.ok()) << exporter.status().message();
  const std::vector<std::string> args = {"check_exchange_delivery",
                                         "all",
                                         "-H",
                                         "ldaps://gc1:3269",
                                         "-b",
                                         "CN=Configuration,DC=x",
                                         "-D",
                                         "CN=svc",
                                         "--password-file",
                                         "/etc/s",
                                         "--starttls",
                                         "--ca-file",
                                         "/etc/ca.pem",
                                         "-s",
                                         "EXCH01",
                                         "--recovery-group-name",
                                         "RSG",
                                         "--tracking-dir",
                                         "EXCH01=/srv/EXCH01.log",
                                         "--attempt-events",
                                         "1028",
                                         "--end-events",
                                         "1030",
                                         "--max-in-flight",
                                         "5",
                                         "--event-file",
                                         "EXCH01=/srv/EXCH01.jsonl",
                                         "--event-tz",
                                         "Europe/Berlin",
                                         "--queue-snapshot",
                                         "EXCH01=/srv/q.csv",
                                         "--snapshot-max-age",
                                         "60"};
  std::vector<const char*> argv;
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  auto check = check::ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(check.ok()) << check.status().message();

  const LdapSettings& e = exporter->config.ldap;
  const LdapSettings& c = check->options.ldap;
  EXPECT_EQ(e.uris, c.uris);
  EXPECT_EQ(e.base, c.base);
  EXPECT_EQ(e.bind_dn, c.bind_dn);
  EXPECT_EQ(e.password_file, c.password_file);
  EXPECT_EQ(e.starttls, c.starttls);
  EXPECT_TRUE(e.starttls);
  EXPECT_EQ(e.ca_file, c.ca_file);
  EXPECT_EQ(e.servers, c.servers);
  EXPECT_EQ(e.recovery_group_name, c.recovery_group_name);
  EXPECT_EQ(e.recovery_group_name, "RSG");
  EXPECT_EQ(e.ca_file_option, "ldap.ca_file");
  EXPECT_EQ(c.ca_file_option, "--ca-file");
  EXPECT_EQ(e.insecure_option, "ldap.insecure_skip_verify");
  EXPECT_EQ(c.insecure_option, "--insecure-skip-verify");

  const TrackingSettings& et = exporter->config.tracking;
  const TrackingSettings& ct = check->options.tracking;
  ASSERT_EQ(et.dirs.size(), 1u);
  ASSERT_EQ(ct.dirs.size(), 1u);
  EXPECT_EQ(et.dirs[0].server + "=" + et.dirs[0].path, ct.dirs[0].server + "=" + ct.dirs[0].path);
  EXPECT_EQ(et.max_in_flight, 5u);
  EXPECT_EQ(ct.max_in_flight, 5u);
  for (uint32_t id : {1023u, 1028u, 1030u, 1021u}) {
    EXPECT_EQ(et.events.RoleOf(id), ct.events.RoleOf(id)) << id;
  }

  const EventSettings& ee = exporter->config.events;
  const EventSettings& ce = check->options.events;
  ASSERT_EQ(ee.files.size(), 1u);
  ASSERT_EQ(ce.files.size(), 1u);
  EXPECT_EQ(ee.files[0].path, ce.files[0].path);
  EXPECT_EQ(ee.time_zone, "Europe/Berlin");
  EXPECT_EQ(ce.time_zone, "Europe/Berlin");

  const QueueSnapshotSettings& eq = exporter->config.queue_snapshot;
  const QueueSnapshotSettings& cq = check->options.snapshots;
  ASSERT_EQ(eq.files.size(), 1u);
  ASSERT_EQ(cq.files.size(), 1u);
  EXPECT_EQ(eq.files[0].path, cq.files[0].path);
  EXPECT_EQ(eq.max_age_seconds, 60);
  EXPECT_EQ(cq.max_age_seconds, 60);
}

}  // namespace
}  // namespace exdm::exporter
