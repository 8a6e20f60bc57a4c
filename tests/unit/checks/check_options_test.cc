// check_exchange_delivery's command line: the contract in docs/ARCHITECTURE.md "Check command
// line", Monitoring Plugins conventions.
#include "check_options.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace exdm::check {
namespace {

Result<ParsedCommandLine> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "check_exchange_delivery");
  std::vector<const char*> argv;
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

std::string ErrorOf(const std::vector<std::string>& args) {
  auto r = Parse(args);
  EXPECT_FALSE(r.ok()) << "accepted the command line";
  return r.ok() ? std::string() : r.status().message();
}

class CheckOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "check_options_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  std::string dir_;
};

TEST_F(CheckOptionsTest, DefaultsMatchTheDesign) {
  auto r = Parse({"queue"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const CheckOptions& o = r->options;
  EXPECT_EQ(o.mode, Mode::kQueue);
  EXPECT_EQ(o.age.warning->text(), "900");
  EXPECT_EQ(o.age.critical->text(), "1800");
  EXPECT_FALSE(o.stalled.warning);
  EXPECT_FALSE(o.stalled.critical);
  EXPECT_FALSE(o.logon_failures.warning);
  EXPECT_EQ(o.logon_failures.Evaluate(1), PluginState::kCritical);  // default: any 326
  EXPECT_EQ(o.logon_failures.Evaluate(0), PluginState::kOk);
  EXPECT_EQ(o.failing_stores.Evaluate(1), PluginState::kCritical);
  EXPECT_EQ(o.window_seconds, 86400);
  EXPECT_EQ(o.events.time_zone, "UTC");
  EXPECT_EQ(o.unreachable_state, PluginState::kCritical);
  EXPECT_EQ(o.timeout_seconds, 30);
  EXPECT_EQ(o.timeout_state, PluginState::kUnknown);
  EXPECT_EQ(o.verbosity, 0);
  EXPECT_EQ(o.SeverityOf(FindingKind::kOrphan), PluginState::kWarning);
  EXPECT_EQ(o.SeverityOf(FindingKind::kMissing), PluginState::kCritical);
}

TEST_F(CheckOptionsTest, HelpAndVersionNeedNoMode) {
  auto help = Parse({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(help->action, ParsedCommandLine::Action::kHelp);
  EXPECT_NE(help->help_text.find("--extra-opts"), std::string::npos);
  auto version = Parse({"-V"});
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->action, ParsedCommandLine::Action::kVersion);
}

TEST_F(CheckOptionsTest, PrimaryThresholdAliasesFollowTheMode) {
  auto mailbox = Parse({"mailbox", "-w", "0", "-c", "2"});
  ASSERT_TRUE(mailbox.ok());
  EXPECT_EQ(mailbox->options.failing_stores.warning->text(), "0");
  EXPECT_EQ(mailbox->options.failing_stores.critical->text(), "2");
  auto queue = Parse({"queue", "-w", "60", "-c", "120"});
  ASSERT_TRUE(queue.ok());
  EXPECT_EQ(queue->options.age.warning->text(), "60");
  EXPECT_EQ(queue->options.age.critical->text(), "120");
  auto events = Parse({"events", "-c", "5:"});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->options.logon_failures.critical->text(), "5:");
  EXPECT_NE(ErrorOf({"all", "-w", "1"}).find("ambiguous"), std::string::npos);
}

TEST_F(CheckOptionsTest, RejectsBadValuesNamingTheOption) {
  EXPECT_NE(ErrorOf({"queue", "--warning-age", "20:10"}).find("--warning-age"), std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "-c", "abc"}).find("--critical"), std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "-t", "0"}).find("--timeout"), std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "-t", "10:MAYBE"}).find("--timeout"), std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "-t", "ten"}).find("--timeout"), std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "--unreachable-state", "bad"}).find("--unreachable-state"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"mailbox", "-H", "http://dc1"}).find("--ldap-uri"), std::string::npos);
  EXPECT_NE(ErrorOf({"mailbox", "--finding-severity", "nonsense=OK"}).find("finding kind"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"mailbox", "--password-file", "f", "--password-env", "V"})
                .find("mutually exclusive"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "--now", "yesterday"}).find("--now"), std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "--window", "0"}).find("--window"), std::string::npos);
  EXPECT_NE(ErrorOf({"frobnicate"}).find("unknown MODE"), std::string::npos);
  EXPECT_NE(ErrorOf({}).find("missing MODE"), std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "--no-such-option"}).find("--no-such-option"), std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "events"}).find("too many positional"), std::string::npos);
  // Abbreviations are not guessed: options added later must not change their meaning.
  EXPECT_FALSE(Parse({"queue", "--warn", "10"}).ok());
}

TEST_F(CheckOptionsTest, TimeoutTakesAnOptionalState) {
  auto plain = Parse({"queue", "-t", "12"});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->options.timeout_seconds, 12);
  EXPECT_EQ(plain->options.timeout_state, PluginState::kUnknown);
  auto with_state = Parse({"queue", "--timeout=5:critical"});
  ASSERT_TRUE(with_state.ok());
  EXPECT_EQ(with_state->options.timeout_seconds, 5);
  EXPECT_EQ(with_state->options.timeout_state, PluginState::kCritical);
  auto digit_state = Parse({"queue", "-t", "5:1"});
  ASSERT_TRUE(digit_state.ok());
  EXPECT_EQ(digit_state->options.timeout_state, PluginState::kWarning);
}

TEST_F(CheckOptionsTest, VerboseIsRepeatable) {
  EXPECT_EQ(Parse({"queue", "-v"})->options.verbosity, 1);
  EXPECT_EQ(Parse({"queue", "-vvv"})->options.verbosity, 3);
  EXPECT_EQ(Parse({"queue", "-v", "--verbose", "-vv"})->options.verbosity, 4);
}

TEST_F(CheckOptionsTest, RepeatableOptionsCollectEveryValue) {
  auto r =
      Parse({"all", "-H", "ldap://dc1", "--ldap-uri=ldaps://dc2:636", "-s", "EXCH01", "-s",
             "EXCH02", "--tracking-dir", "EXCH01=/srv/a", "--tracking-dir", "/srv/EXCH02.log",
             "--finding-severity", "orphan=CRITICAL", "--finding-severity", "missing=warning"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const CheckOptions& o = r->options;
  EXPECT_EQ(o.ldap.uris, (std::vector<std::string>{"ldap://dc1", "ldaps://dc2:636"}));
  EXPECT_EQ(o.ldap.servers, (std::vector<std::string>{"EXCH01", "EXCH02"}));
  ASSERT_EQ(o.tracking.dirs.size(), 2u);
  EXPECT_EQ(o.tracking.dirs[1].server, "EXCH02");
  EXPECT_EQ(o.SeverityOf(FindingKind::kOrphan), PluginState::kCritical);
  EXPECT_EQ(o.SeverityOf(FindingKind::kMissing), PluginState::kWarning);
}

TEST_F(CheckOptionsTest, LastOccurrenceOfASingleValuedOptionWins) {
  // getopt behaviour, which the Monitoring Plugins (and their extra-opts) rely on.
  auto r = Parse({"queue", "--warning-age", "10", "--warning-age", "20"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options.age.warning->text(), "20");
}

TEST_F(CheckOptionsTest, ExtraOptsReadsTheDefaultSection) {
  const std::string ini = Write("plugins.ini",
                                "# comment\n"
                                "; another comment\n"
                                "[other_plugin]\n"
                                "warning-age = 1\n"
                                "[check_exchange_delivery]\n"
                                "  warning-age = 60  \n"
                                "critical-age=120\r\n"
                                "starttls\n"
                                "insecure-skip-verify =\n"
                                "ldap-uri = ldap://dc1\n"
                                "s = EXCH01\n"
                                "[check_exchange_delivery_lab]\n"
                                "warning-age = 5\n");
  auto r = Parse({"mailbox", "--extra-opts=@" + ini});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const CheckOptions& o = r->options;
  EXPECT_EQ(o.age.warning->text(), "60");
  EXPECT_EQ(o.age.critical->text(), "120");
  EXPECT_TRUE(o.ldap.starttls);
  EXPECT_TRUE(o.ldap.insecure_skip_verify);
  EXPECT_EQ(o.ldap.uris, std::vector<std::string>{"ldap://dc1"});
  EXPECT_EQ(o.ldap.servers, std::vector<std::string>{"EXCH01"});  // one-letter key -> -s

  auto lab = Parse({"mailbox", "--extra-opts", "check_exchange_delivery_lab@" + ini});
  ASSERT_TRUE(lab.ok()) << lab.status().message();
  EXPECT_EQ(lab->options.age.warning->text(), "5");
  EXPECT_EQ(lab->options.age.critical->text(), "1800");  // not in that section: the default
}

TEST_F(CheckOptionsTest, ExtraOptsWithoutFileSearchesTheStandardLocations) {
  const std::string ini =
      Write("mp.ini", "[check_exchange_delivery]\nwarning-age=42\n[lab]\nwarning-age=43\n");
  setenv("MP_CONFIG_FILE", ini.c_str(), 1);
  auto r = Parse({"queue", "--extra-opts"});
  auto lab = Parse({"queue", "--extra-opts=lab"});
  unsetenv("MP_CONFIG_FILE");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options.age.warning->text(), "42");
  ASSERT_TRUE(lab.ok()) << lab.status().message();
  EXPECT_EQ(lab->options.age.warning->text(), "43");
}

TEST_F(CheckOptionsTest, CommandLineOverridesExtraOptsAndRepeatedKeysCompose) {
  const std::string ini = Write("exdm.ini",
                                "[check_exchange_delivery]\n"
                                "warning-age = 60\n"
                                "timeout = 10:CRITICAL\n"
                                "ldap-uri = ldap://dc1\n"
                                "ldap-uri = ldap://dc2\n"
                                "server = EXCH01\n");
  auto r = Parse({"mailbox", "--warning-age", "99", "--extra-opts=@" + ini, "-H", "ldap://dc3"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const CheckOptions& o = r->options;
  EXPECT_EQ(o.age.warning->text(), "99");  // command line wins, wherever it stands
  EXPECT_EQ(o.timeout_seconds, 10);        // from the file
  EXPECT_EQ(o.timeout_state, PluginState::kCritical);
  // Repeated keys compose, file values first, then the command line's.
  EXPECT_EQ(o.ldap.uris, (std::vector<std::string>{"ldap://dc1", "ldap://dc2", "ldap://dc3"}));
  EXPECT_EQ(o.ldap.servers, std::vector<std::string>{"EXCH01"});
}

TEST_F(CheckOptionsTest, ExtraOptsMayBeRepeatedAndTheLaterSectionWins) {
  const std::string ini = Write("exdm.ini",
                                "[base]\nwarning-age = 60\ncritical-age = 600\nserver = A\n"
                                "[site]\nwarning-age = 30\nserver = B\n");
  auto r = Parse({"queue", "--extra-opts=base@" + ini, "--extra-opts", "site@" + ini});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options.age.warning->text(), "30");
  EXPECT_EQ(r->options.age.critical->text(), "600");
  EXPECT_EQ(r->options.ldap.servers, (std::vector<std::string>{"A", "B"}));
}

TEST_F(CheckOptionsTest, ExtraOptsBeforeTheModeDoesNotSwallowIt) {
  const std::string ini = Write("mp.ini", "[check_exchange_delivery]\nwarning-age=42\n");
  setenv("MP_CONFIG_FILE", ini.c_str(), 1);
  auto r = Parse({"--extra-opts", "queue"});
  unsetenv("MP_CONFIG_FILE");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options.mode, Mode::kQueue);
  EXPECT_EQ(r->options.age.warning->text(), "42");
}

// A single-valued key twice in one section: a copy-and-paste slip the last value silently won
// (lib/parse_ini.c behaviour). Refused, naming both lines; repeatable keys and -v still add up.
TEST_F(CheckOptionsTest, ExtraOptsKeyGivenTwiceInASectionIsRefused) {
  const std::string twice =
      Write("twice.ini",
            "[check_exchange_delivery]\nwarning-age = 60\nldap-uri = ldap://a\n"
            "ldap-uri = ldap://b\nv\nverbose\nwarning-age = 90\n");
  EXPECT_EQ(ErrorOf({"queue", "--extra-opts=@" + twice}),
            "--extra-opts: " + twice +
                ":7: 'warning-age' is given twice in [check_exchange_delivery] (first on line 2); "
                "it takes one value");
  // -t and --timeout are one option.
  const std::string alias = Write("alias.ini", "[check_exchange_delivery]\nt = 10\ntimeout = 20\n");
  EXPECT_NE(ErrorOf({"queue", "--extra-opts=@" + alias}).find("'timeout' is given twice"),
            std::string::npos);
  const std::string fine = Write("fine.ini",
                                 "[check_exchange_delivery]\nldap-uri = ldap://a\n"
                                 "ldap-uri = ldap://b\nv\nv\n[other]\nwarning-age = 1\n"
                                 "[check_exchange_delivery_lab]\nwarning-age = 2\n");
  auto r = Parse({"queue", "--extra-opts=@" + fine});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->options.ldap.uris.size(), 2u);
  EXPECT_EQ(r->options.verbosity, 2);
}

TEST_F(CheckOptionsTest, ExtraOptsErrorsAreOneLineAndSayWhere) {
  const std::string ini = Write("bad.ini", "[check_exchange_delivery]\nwarning-age = 60\n");
  EXPECT_NE(ErrorOf({"queue", "--extra-opts=nosuch@" + ini}).find("no section [nosuch]"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"queue", "--extra-opts=@" + dir_ + "/missing.ini"}).find("cannot read"),
            std::string::npos);
  const std::string outside = Write("outside.ini", "warning-age = 1\n[check_exchange_delivery]\n");
  EXPECT_NE(ErrorOf({"queue", "--extra-opts=@" + outside}).find(":1: option outside"),
            std::string::npos);
  const std::string loop = Write("loop.ini", "[check_exchange_delivery]\nextra-opts=@x\n");
  EXPECT_NE(ErrorOf({"queue", "--extra-opts=@" + loop}).find("may not include extra-opts"),
            std::string::npos);
  const std::string unknown = Write("unknown.ini", "[check_exchange_delivery]\nfrobnicate = 1\n");
  EXPECT_NE(ErrorOf({"queue", "--extra-opts=@" + unknown}).find("frobnicate"), std::string::npos);
  const std::string switch_value = Write("switch.ini", "[check_exchange_delivery]\nstarttls=yes\n");
  EXPECT_NE(ErrorOf({"queue", "--extra-opts=@" + switch_value}).find("takes no value"),
            std::string::npos);
  const std::string bad_range = Write("range.ini", "[check_exchange_delivery]\nwarning-age=9:1\n");
  EXPECT_NE(ErrorOf({"queue", "--extra-opts=@" + bad_range}).find("--warning-age"),
            std::string::npos);
}

}  // namespace
}  // namespace exdm::check
