// deploy/ checked with the real tools: promtool (rules, rule unit tests, dashboard expressions)
// and systemd-analyze (the unit). Every expression may only use metrics the exporter exports.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "exporter_metric_names.h"
#include "paths.h"
#include "process.h"

namespace exdm::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool HaveTool(const std::string& name) {
  return RunProcess({"sh", "-c", "command -v " + name}).ok();
}

std::string TempDir() {
  char dir[] = "/tmp/exdm-deploy-XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return dir;
}

// Metric names an expression uses: identifiers starting with exchange_ (recording rules named
// exchange_store:... are ours too and are checked against the rule file instead).
std::set<std::string> ExchangeMetrics(const std::string& expr) {
  static const std::regex kName(R"(\b(exchange_[a-z0-9_]+)\b(?!:))");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kName);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

void ExpectOnlyExportedMetrics(const std::string& where, const std::string& expr) {
  const std::set<std::string> exported = ExportedMetricNames();
  for (const std::string& name : ExchangeMetrics(expr)) {
    EXPECT_TRUE(exported.count(name))
        << where << " uses " << name << ", which the exporter does not export: " << expr;
  }
}

// The `expr:` values of a rules file: inline, or a folded block (`>-`) of deeper-indented lines.
std::vector<std::string> RuleExpressions(const std::string& yaml) {
  std::vector<std::string> exprs;
  std::istringstream in(yaml);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line))
    lines.push_back(line);
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t at = lines[i].find("expr: ");
    if (at == std::string::npos) continue;
    std::string value = lines[i].substr(at + 6);
    if (value.rfind(">", 0) == 0 || value.rfind("|", 0) == 0) {
      value.clear();
      while (i + 1 < lines.size() && lines[i + 1].find_first_not_of(' ') > at) {
        value += lines[++i] + "\n";
      }
    }
    exprs.push_back(value);
  }
  return exprs;
}

TEST(PrometheusRules, PromtoolCheckRules) {
  if (!HaveTool("promtool")) GTEST_SKIP() << "promtool not installed";
  const ProcessResult r =
      RunProcess({"promtool", "check", "rules",
                  SourceDir() + "/deploy/prometheus/exchange-delivery.rules.yml"});
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("SUCCESS"), std::string::npos) << r.output;
}

TEST(PrometheusRules, PromtoolRuleUnitTestsPass) {
  if (!HaveTool("promtool")) GTEST_SKIP() << "promtool not installed";
  const ProcessResult r =
      RunProcess({"promtool", "test", "rules",
                  SourceDir() + "/deploy/prometheus/tests/exchange-delivery.rules.test.yml"});
  EXPECT_TRUE(r.ok()) << r.output;
}

// deploy/prometheus/federation: a site's Prometheus (its rule file where the package puts it, here
// the tree's) and the central one that federates the sites are valid configurations.
TEST(PrometheusFederation, PromtoolCheckConfigOfTheSiteAndTheCentralPrometheus) {
  if (!HaveTool("promtool")) GTEST_SKIP() << "promtool not installed";
  const std::string dir = TempDir();
  std::string site =
      ReadFile(SourceDir() + "/deploy/prometheus/federation/site.prometheus.example.yml");
  const std::string shipped_rules = "/etc/prometheus/rules/exchange-delivery.rules.yml";
  ASSERT_NE(site.find(shipped_rules), std::string::npos);
  site.replace(site.find(shipped_rules), shipped_rules.size(),
               SourceDir() + "/deploy/prometheus/exchange-delivery.rules.yml");
  std::ofstream(dir + "/site.yml") << site;
  const ProcessResult s = RunProcess({"promtool", "check", "config", dir + "/site.yml"});
  EXPECT_TRUE(s.ok()) << s.output;
  EXPECT_NE(s.output.find("rules found"), std::string::npos) << s.output;
  const ProcessResult c =
      RunProcess({"promtool", "check", "config",
                  SourceDir() + "/deploy/prometheus/federation/central.prometheus.example.yml"});
  EXPECT_TRUE(c.ok()) << c.output;
  std::filesystem::remove_all(dir);
}

TEST(PrometheusRules, UseOnlyExportedMetricsAndCarrySeverityAndAnnotations) {
  const std::string rules =
      ReadFile(SourceDir() + "/deploy/prometheus/exchange-delivery.rules.yml");
  ASSERT_FALSE(rules.empty());
  for (const std::string& expr : RuleExpressions(rules)) {
    ExpectOnlyExportedMetrics("exchange-delivery.rules.yml", expr);
  }
  // Every alert has a severity label and both annotations (the test file checks their text).
  size_t alerts = 0;
  for (size_t at = rules.find("- alert:"); at != std::string::npos;
       at = rules.find("- alert:", at + 1)) {
    ++alerts;
    const size_t next = rules.find("- alert:", at + 1);
    const std::string block =
        rules.substr(at, next == std::string::npos ? std::string::npos : next - at);
    EXPECT_NE(block.find("severity: "), std::string::npos) << block;
    EXPECT_NE(block.find("summary: "), std::string::npos) << block;
    EXPECT_NE(block.find("description: "), std::string::npos) << block;
  }
  EXPECT_GE(alerts, 6u);
}

// Grafana variables replaced by values of the same kind, so promtool parses what Grafana sends.
std::string Concretize(std::string expr) {
  const std::pair<const char*, const char*> kVars[] = {
      {"$__rate_interval", "5m"}, {"$__interval", "1m"}, {"$__range", "1h"}, {"${server}", ".*"},
      {"$server", ".*"},          {"${instance}", ".*"}, {"$instance", ".*"}};
  for (const auto& [var, value] : kVars) {
    for (size_t at = expr.find(var); at != std::string::npos; at = expr.find(var)) {
      expr.replace(at, std::string(var).size(), value);
    }
  }
  return expr;
}

void CollectExprs(const nlohmann::json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "expr" && it.value().is_string()) out.push_back(it.value());
      CollectExprs(it.value(), out);
    }
  } else if (node.is_array()) {
    for (const auto& child : node)
      CollectExprs(child, out);
  }
}

TEST(GrafanaDashboard, EveryExpressionIsValidPromqlOverExportedMetrics) {
  if (!HaveTool("promtool")) GTEST_SKIP() << "promtool not installed";
  const auto dashboard =
      nlohmann::json::parse(ReadFile(SourceDir() + "/deploy/grafana/exchange-delivery.json"));
  std::vector<std::string> exprs;
  CollectExprs(dashboard["panels"], exprs);
  ASSERT_GE(exprs.size(), 15u);
  // Template variable queries: label_values(<selector>, label) - the selector must be valid too.
  static const std::regex kLabelValues(R"(label_values\((.*),\s*[a-z_]+\)$)");
  for (const auto& var : dashboard["templating"]["list"]) {
    if (!var.contains("definition")) continue;
    std::smatch m;
    const std::string def = var["definition"];
    ASSERT_TRUE(std::regex_match(def, m, kLabelValues)) << def;
    exprs.push_back(m[1]);
  }
  const std::string dir = TempDir();
  const std::string rules = dir + "/dashboard.rules.yml";
  {
    std::ofstream out(rules);
    out << "groups:\n  - name: dashboard\n    rules:\n";
    for (size_t i = 0; i < exprs.size(); ++i) {
      ExpectOnlyExportedMetrics("dashboard", exprs[i]);
      out << "      - record: dashboard:expr" << i
          << "\n        expr: " << nlohmann::json(Concretize(exprs[i])).dump() << "\n";
    }
  }
  const ProcessResult r = RunProcess({"promtool", "check", "rules", rules});
  EXPECT_TRUE(r.ok()) << r.output << "\n" << ReadFile(rules);
  std::remove(rules.c_str());
  rmdir(dir.c_str());
}

TEST(SystemdUnit, VerifiesCleanlyAndIsHardened) {
  const std::string unit_path = SourceDir() + "/deploy/systemd/exchange-delivery-exporter.service";
  std::string unit = ReadFile(unit_path);
  for (const char* directive : {"NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes",
                                "StateDirectory=", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
                                "ExecReload=/bin/kill -HUP $MAINPID"}) {
    EXPECT_NE(unit.find(directive), std::string::npos) << "missing " << directive;
  }
  if (!HaveTool("systemd-analyze")) GTEST_SKIP() << "systemd-analyze not installed";
  // verify insists that ExecStart exists: point it at the binary under test.
  const std::string installed = "/usr/bin/exchange_delivery_exporter";
  unit.replace(unit.find(installed), installed.size(), ExporterBinary());
  const std::string dir = TempDir();
  const std::string copy = dir + "/exchange-delivery-exporter.service";
  std::ofstream(copy) << unit;
  const ProcessResult verify = RunProcess({"systemd-analyze", "verify", copy});
  EXPECT_TRUE(verify.ok()) << verify.output;
  // verify only warns about unknown or misspelled directives: any output is a defect.
  EXPECT_EQ(verify.output, "") << verify.output;
  const ProcessResult security =
      RunProcess({"systemd-analyze", "security", "--offline=true", "--threshold=30", copy});
  EXPECT_TRUE(security.ok()) << security.output;
  std::remove(copy.c_str());
  rmdir(dir.c_str());
}

// The memory alert warns at 80 % of the unit's MemoryMax=: both say the same limit.
TEST(SystemdUnit, MemoryAlertFollowsTheUnitsMemoryMax) {
  const std::string unit =
      ReadFile(SourceDir() + "/deploy/systemd/exchange-delivery-exporter.service");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(unit, m, std::regex(R"(\nMemoryMax=(\d+)M\n)"))) << unit;
  const long long limit = std::stoll(m[1]) * 1024 * 1024;
  const std::string rules =
      ReadFile(SourceDir() + "/deploy/prometheus/exchange-delivery.rules.yml");
  const size_t alert = rules.find("- alert: ExchangeDeliveryExporterMemoryNearLimit");
  ASSERT_NE(alert, std::string::npos);
  const std::string block = rules.substr(alert, rules.find("- alert:", alert + 1) - alert);
  EXPECT_NE(block.find("> 0.8 * " + std::to_string(limit) + "\n"), std::string::npos) << block;
  EXPECT_NE(block.find("MemoryMax=" + m[1].str() + "M"), std::string::npos) << block;
}

// Part of the unit's contract with exporter.ini: the secret comes as a systemd credential, and
// the example configuration reads it from there.
TEST(SystemdUnit, PasswordComesAsACredentialTheExampleConfigReads) {
  const std::string unit =
      ReadFile(SourceDir() + "/deploy/systemd/exchange-delivery-exporter.service");
  EXPECT_NE(unit.find("\nLoadCredential=ldap.secret:/etc/exchange-delivery-monitor/ldap.secret\n"),
            std::string::npos);
  EXPECT_EQ(unit.find("chgrp"), std::string::npos) << "DynamicUser= has no group to grant";
  const std::string example = ReadFile(SourceDir() + "/deploy/systemd/exporter.ini.example");
  EXPECT_NE(example.find("\npassword_file = ${CREDENTIALS_DIRECTORY}/ldap.secret\n"),
            std::string::npos)
      << example;
}

// The socket-activation example: a valid .socket for the service (systemd-analyze checks both
// together), on :9755 for IPv4 and IPv6, handing the service one listening socket.
TEST(SystemdUnit, SocketUnitVerifiesWithTheService) {
  const std::string socket =
      ReadFile(SourceDir() + "/deploy/systemd/exchange-delivery-exporter.socket");
  for (const char* directive : {"ListenStream=9755\n", "BindIPv6Only=both\n", "Accept=no\n",
                                "systemd-socket = true", "WantedBy=sockets.target"}) {
    EXPECT_NE(socket.find(directive), std::string::npos) << "missing " << directive;
  }
  if (!HaveTool("systemd-analyze")) GTEST_SKIP() << "systemd-analyze not installed";
  std::string service =
      ReadFile(SourceDir() + "/deploy/systemd/exchange-delivery-exporter.service");
  const std::string installed = "/usr/bin/exchange_delivery_exporter";
  service.replace(service.find(installed), installed.size(), ExporterBinary());
  const std::string dir = TempDir();
  std::ofstream(dir + "/exchange-delivery-exporter.service") << service;
  std::ofstream(dir + "/exchange-delivery-exporter.socket") << socket;
  const ProcessResult verify =
      RunProcess({"systemd-analyze", "verify", dir + "/exchange-delivery-exporter.socket"});
  EXPECT_TRUE(verify.ok()) << verify.output;
  EXPECT_EQ(verify.output, "") << verify.output;
  std::remove((dir + "/exchange-delivery-exporter.service").c_str());
  std::remove((dir + "/exchange-delivery-exporter.socket").c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace exdm::testing
