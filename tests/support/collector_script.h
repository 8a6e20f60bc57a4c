// The collection scripts' own words (deploy/collect/*.vbs), so that tests hold the readers and the
// fixtures to them: the column list a script documents in its header comment, the header line
// its constant makes it write.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace exdm::testing {

std::string ReadTextFile(const std::string& path);  // whole, bytes as they are; "" when unreadable

// deploy/collect/<name>'s text.
std::string CollectScript(const std::string& name);

// The names in the comment block that opens with the line "' <heading>" ("Columns:",
// "Mailboxes columns:") and ends at a line starting "' End of", each entry written as
// "'   <name>  <description>".
std::vector<std::string> DocumentedColumns(const std::string& script, const std::string& heading);

// The value of `Const <name> = "<value>"`; "" when there is none.
std::string ScriptConstant(const std::string& script, const std::string& name);

std::vector<std::string> SplitFields(const std::string& line, char separator = ',');

// Line feeds not preceded by a carriage return: 0 for a Windows script (CRLF throughout, as
// Notepad on the server shows it).
size_t BareLineFeeds(const std::string& text);

// Expects (gtest) the script's documented block `heading` to list exactly `columns` in order,
// its constant `constant` to write that list, and every one of `required` to be among them.
void ExpectScriptWritesColumns(const std::string& script, const std::string& heading,
                               const std::string& constant,
                               const std::vector<std::string_view>& columns,
                               const std::vector<std::string_view>& required);

}  // namespace exdm::testing
