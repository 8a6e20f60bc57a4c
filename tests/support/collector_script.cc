#include "collector_script.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "paths.h"

namespace exdm::testing {

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string CollectScript(const std::string& name) {
  return ReadTextFile(SourceDir() + "/deploy/collect/" + name);
}

std::vector<std::string> DocumentedColumns(const std::string& script, const std::string& heading) {
  std::vector<std::string> names;
  std::istringstream in(script);
  std::string line;
  bool inside = false;
  static const std::regex kEntry(R"(^'   ([a-z_]+)\s{2,}\S.*$)");
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "' " + heading) {
      inside = true;
      continue;
    }
    if (inside && line.rfind("' End of ", 0) == 0) break;
    std::smatch m;
    if (inside && std::regex_match(line, m, kEntry)) names.push_back(m[1]);
  }
  return names;
}

std::string ScriptConstant(const std::string& script, const std::string& name) {
  const std::regex constant("Const " + name + " = \"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(script, m, constant) ? m[1].str() : std::string();
}

size_t BareLineFeeds(const std::string& text) {
  size_t bare = 0;
  for (size_t i = 0; i < text.size(); ++i)
    bare += text[i] == '\n' && (i == 0 || text[i - 1] != '\r');
  return bare;
}

std::vector<std::string> SplitFields(const std::string& line, char separator) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, separator))
    out.push_back(field);
  return out;
}

void ExpectScriptWritesColumns(const std::string& script, const std::string& heading,
                               const std::string& constant,
                               const std::vector<std::string_view>& columns,
                               const std::vector<std::string_view>& required) {
  ASSERT_FALSE(script.empty());
  const std::vector<std::string> documented = DocumentedColumns(script, heading);
  EXPECT_EQ(std::vector<std::string>(columns.begin(), columns.end()), documented) << heading;
  EXPECT_EQ(SplitFields(ScriptConstant(script, constant)), documented) << constant;
  for (std::string_view name : required) {
    EXPECT_NE(std::find(documented.begin(), documented.end(), std::string(name)), documented.end())
        << name;
  }
}

}  // namespace exdm::testing
