// README "Reliability": the fault matrix table is checked against the tests it names, so it cannot
// claim what no test proves. For every row: each named test is registered in this binary; each
// "(N)" exit code of the check column is asserted by one of them (`exit_code, N)` in the test's
// body or its fixture); each metric of the exporter column appears in one of their source files.
// And every fault-matrix test (fault_*_test.cc, memory_test.cc) has a row.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "fault_support.h"
#include "paths.h"

namespace exdm::testing {
namespace {

struct Row {
  std::string fault, check, exporter;
  std::vector<std::string> tests;  // Suite.Name
};

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  size_t at = 1;  // after the leading '|'
  while (at < line.size()) {
    size_t bar = at;
    // A '|' inside backticks is text, not a cell boundary.
    bool code = false;
    while (bar < line.size() && (code || line[bar] != '|')) {
      if (line[bar] == '`') code = !code;
      ++bar;
    }
    if (bar >= line.size()) break;
    std::string cell = line.substr(at, bar - at);
    const size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    at = bar + 1;
  }
  return cells;
}

std::vector<Row> ReadTable() {
  const std::string readme = ReadWholeFile(SourceDir() + "/README.md");
  const size_t start = readme.find("\n## Reliability\n");
  if (start == std::string::npos) return {};
  const size_t end = readme.find("\n## ", start + 1);
  std::vector<Row> rows;
  for (const std::string& line : SplitLines(readme.substr(start, end - start))) {
    if (line.rfind("| ", 0) != 0) continue;
    const std::vector<std::string> cells = Cells(line);
    if (cells.size() != 4 || cells[0] == "Fault") continue;
    Row row{cells[0], cells[1], cells[2], {}};
    const std::regex test(R"(`([A-Za-z]+\.[A-Za-z]+)`)");
    for (std::sregex_iterator it(cells[3].begin(), cells[3].end(), test), e; it != e; ++it)
      row.tests.push_back((*it)[1]);
    rows.push_back(row);
  }
  return rows;
}

// Source of every integration test: "Suite.Name" -> {file text, body + fixture text}.
struct Source {
  std::string file;
  std::string body;
};
std::map<std::string, Source> TestSources() {
  std::map<std::string, Source> out;
  const std::regex def(R"(\nTEST(_F|_P)?\((\w+), (\w+)\))");
  for (const auto& e : std::filesystem::directory_iterator(SourceDir() + "/tests/integration")) {
    if (e.path().extension() != ".cc") continue;
    const std::string text = ReadWholeFile(e.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), def), end; it != end; ++it) {
      const size_t from = static_cast<size_t>(it->position());
      size_t to = text.find("\nTEST", from + 1);
      if (to == std::string::npos) to = text.size();
      std::string body = text.substr(from, to - from);
      const std::string suite = (*it)[2];
      const size_t fixture = text.find("class " + suite + " ");
      if ((*it)[1] == "_F" && fixture != std::string::npos) {
        body += text.substr(fixture, text.find("\n};", fixture) - fixture);
      }
      out[suite + "." + std::string((*it)[3])] = {text, body};
    }
  }
  return out;
}

std::set<std::string> RegisteredTests() {
  std::set<std::string> names;
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j)
      names.insert(std::string(suite.name()) + "." + suite.GetTestInfo(j)->name());
  }
  return names;
}

TEST(ReliabilityTable, EveryRowNamesTestsThatAssertIt) {
  const std::vector<Row> rows = ReadTable();
  ASSERT_GE(rows.size(), 20u) << "README has no Reliability table (or lost rows)";
  const auto sources = TestSources();
  const auto registered = RegisteredTests();
  std::set<std::string> named;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.fault);
    ASSERT_FALSE(row.tests.empty()) << "a row without a test";
    std::string bodies, files;
    for (const std::string& t : row.tests) {
      named.insert(t);
      EXPECT_TRUE(registered.count(t)) << t << " is not a test of this binary";
      const auto it = sources.find(t);
      ASSERT_NE(it, sources.end()) << t << ": no TEST definition found";
      bodies += it->second.body;
      files += it->second.file;
    }
    const std::regex code(R"(\((\d)\))");
    for (std::sregex_iterator it(row.check.begin(), row.check.end(), code), e; it != e; ++it) {
      const std::string assertion = "exit_code, " + std::string((*it)[1]) + ")";
      EXPECT_NE(bodies.find(assertion), std::string::npos)
          << "the check column says (" << (*it)[1] << ") but no named test asserts " << assertion;
    }
    const std::regex metric(R"(exchange_[a-z_]+)");
    for (std::sregex_iterator it(row.exporter.begin(), row.exporter.end(), metric), e; it != e;
         ++it) {
      EXPECT_NE(files.find((*it)[0]), std::string::npos)
          << (*it)[0] << " is not looked at by the row's tests";
    }
  }
  // Every test of the fault matrix files has its row.
  for (const auto& [name, source] : sources) {
    const bool matrix = source.file.rfind("// Fault matrix", 0) == 0 ||
                        source.file.rfind("// Memory (issue 9)", 0) == 0;
    if (matrix) {
      EXPECT_TRUE(named.count(name)) << name << " has no row in README's table";
    }
  }
}

}  // namespace
}  // namespace exdm::testing
