// What the store snapshot tests read out of the shipped script and the fixtures: the column lists
// documented in deploy/collect/exchange-store-snapshot.vbs's header comment, the header lines its
// constants make it write, and the fixture files.
#pragma once

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "paths.h"

namespace exdm::testing::store_format {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string Fixture(const std::string& name) {
  return SourceDir() + "/tests/fixtures/store_snapshot/" + name;
}

inline std::string Script() {
  return ReadFile(SourceDir() + "/deploy/collect/exchange-store-snapshot.vbs");
}

inline std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(s);
  while (std::getline(in, field, sep))
    out.push_back(field);
  return out;
}

// The names in the script's "<Title> columns:" comment block, in order.
inline std::vector<std::string> DocumentedColumns(const std::string& title) {
  std::vector<std::string> names;
  std::istringstream in(Script());
  std::string line;
  bool inside = false;
  static const std::regex kEntry(R"(^'   ([a-z_]+)\s{2,}\S.*$)");
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "' " + title + " columns:") {
      inside = true;
      continue;
    }
    if (inside && line.rfind("' End of ", 0) == 0) break;
    std::smatch m;
    if (inside && std::regex_match(line, m, kEntry)) names.push_back(m[1]);
  }
  return names;
}

// The header line the script writes: its Const `name`.
inline std::string WrittenHeader(const std::string& name) {
  const std::regex constant("Const " + name + " = \"([^\"]*)\"");
  std::smatch m;
  const std::string script = Script();
  return std::regex_search(script, m, constant) ? m[1].str() : std::string();
}

}  // namespace exdm::testing::store_format
