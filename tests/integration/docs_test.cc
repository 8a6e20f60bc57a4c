// The documentation matches the programs: manual pages render cleanly and document every long
// option of --help; the README's command lines are valid and include --help's examples; the
// packaged --extra-opts example parses; docs/ARCHITECTURE.md names every option and metric
// family; every document section a comment cites, and every anchor a document links to, exists;
// nothing cites or reads documents from outside the tree.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "background_process.h"
#include "exporter_config.h"
#include "exporter_metric_names.h"
#include "paths.h"
#include "run_program.h"

namespace exdm::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Long options in the option column of a Boost.Program_options help text.
std::set<std::string> HelpLongOptions(const std::string& help) {
  std::set<std::string> options;
  const std::regex option(R"(--[a-z][a-z0-9._-]+)");
  for (const std::string& line : SplitLines(help)) {
    if (line.rfind("  -", 0) != 0) continue;
    const std::string column = line.substr(0, line.find("  ", 2));
    for (auto it = std::sregex_iterator(column.begin(), column.end(), option);
         it != std::sregex_iterator(); ++it) {
      options.insert(it->str());
    }
  }
  return options;
}

// Man page source with roff's escaped hyphens ("\-") made plain.
std::string ManSource(const std::string& name) {
  std::string text = ReadFile(SourceDir() + "/deploy/man/" + name);
  std::string plain;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '-') continue;
    plain += text[i];
  }
  return plain;
}

// Command lines in `text` starting with `program` (continuation lines joined), split into words
// as a POSIX shell would for the quoting used in docs ('...' and "...").
std::vector<std::vector<std::string>> CommandLines(const std::string& text,
                                                   const std::string& program) {
  std::vector<std::vector<std::string>> commands;
  const std::vector<std::string> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    const size_t start = line.find(program + " ");
    if (start == std::string::npos || line.find_first_not_of(' ') != start) continue;
    std::string joined = line.substr(start);
    while (!joined.empty() && joined.back() == '\\' && i + 1 < lines.size()) {
      joined.pop_back();
      joined += lines[++i];
    }
    const std::string second = joined.substr(
        program.size() + 1, joined.find(' ', program.size() + 1) - program.size() - 1);
    if (second.size() < 2 || (second[0] != '-' && second != "mailbox" && second != "queue" &&
                              second != "events" && second != "all")) {
      continue;  // prose ("check_exchange_delivery - Nagios/Icinga plugin ..."), not a command
    }
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (char c : joined) {
      if (quote) {
        if (c == quote) {
          quote = 0;
        } else {
          word += c;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        in_word = true;
      } else if (c == ' ' || c == '\t') {
        if (in_word) words.push_back(word);
        word.clear();
        in_word = false;
      } else if (c == '#') {
        break;  // a trailing comment
      } else {
        word += c;
        in_word = true;
      }
    }
    if (in_word) words.push_back(word);
    commands.push_back(words);
  }
  return commands;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words)
    out += (out.empty() ? "" : " ") + w;
  return out;
}

ProgramResult RenderManPage(const std::string& name, const std::string& width = "100") {
  ProgramOptions options;
  options.env = {{"MANWIDTH", width}, {"LC_ALL", "C.UTF-8"}};
  return RunProgram({"/usr/bin/man", "--warnings", "-l", SourceDir() + "/deploy/man/" + name},
                    options);
}

// Paths of the installed example files, mapped to the source tree.
void UseSourceTreeFiles(std::vector<std::string>& words) {
  const std::string installed = "/etc/exchange-delivery-monitor/check_exchange_delivery.ini";
  for (std::string& w : words) {
    const size_t at = w.find(installed);
    if (at != std::string::npos) {
      w.replace(at, installed.size(), SourceDir() + "/deploy/check/check_exchange_delivery.ini");
    }
  }
}

void ExpectRendersCleanly(const std::string& name) {
  const ProgramResult r = RenderManPage(name);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << name << " renders with warnings";
  for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES"}) {
    EXPECT_NE(r.out.find(std::string("\n") + section + "\n"), std::string::npos)
        << name << " lacks " << section;
  }
}

TEST(DocsTest, ManPagesRenderWithoutWarnings) {
  ExpectRendersCleanly("check_exchange_delivery.1");
  ExpectRendersCleanly("exchange_delivery_exporter.1");
}

TEST(DocsTest, CheckManPageDocumentsEveryOptionOfHelp) {
  const std::set<std::string> options = HelpLongOptions(RunProgram({CheckBinary(), "--help"}).out);
  ASSERT_GT(options.size(), 30u);
  const std::string man = ManSource("check_exchange_delivery.1");
  for (const std::string& option : options) {
    EXPECT_NE(man.find(option), std::string::npos) << option << " is not in the manual page";
  }
}

TEST(DocsTest, ExporterManPageDocumentsEveryOptionOfHelp) {
  const std::set<std::string> options =
      HelpLongOptions(RunProgram({ExporterBinary(), "--help"}).out);
  ASSERT_GT(options.size(), 10u);
  const std::string man = ManSource("exchange_delivery_exporter.1");
  for (const std::string& option : options) {
    EXPECT_NE(man.find(option), std::string::npos) << option << " is not in the manual page";
  }
}

// Boost parses every option before --help short-circuits, so "<example> --help" fails on any
// option name or syntax the program does not know.
TEST(DocsTest, ReadmeAndManPageCommandLinesAreAccepted) {
  std::vector<std::vector<std::string>> commands =
      CommandLines(ReadFile(SourceDir() + "/README.md"), "check_exchange_delivery");
  const size_t from_readme = commands.size();
  ASSERT_GE(from_readme, 4u);
  // The rendered page: roff's "\e" continuation is a backslash there.
  const std::string man = RenderManPage("check_exchange_delivery.1", "300").out;
  for (auto& c : CommandLines(man, "check_exchange_delivery"))
    commands.push_back(c);
  ASSERT_GE(commands.size(), from_readme + 4);
  for (std::vector<std::string> words : commands) {
    const std::string text = Join(words);
    words[0] = CheckBinary();
    UseSourceTreeFiles(words);
    words.push_back("--help");
    const ProgramResult r = RunProgram(words);
    EXPECT_EQ(r.exit_code, 3) << text << "\n" << r.out;  // --help: UNKNOWN, as the guidelines ask
    EXPECT_EQ(r.out.rfind("check_exchange_delivery ", 0), 0u) << text << "\n" << r.out;
  }
}

TEST(DocsTest, ReadmeShowsTheExamplesOfHelp) {
  const std::string help = RunProgram({CheckBinary(), "--help"}).out;
  const std::string examples = help.substr(help.find("Examples:"));
  std::set<std::string> readme;
  for (const auto& words :
       CommandLines(ReadFile(SourceDir() + "/README.md"), "check_exchange_delivery")) {
    readme.insert(Join(words));
  }
  const auto from_help = CommandLines(examples, "check_exchange_delivery");
  ASSERT_GE(from_help.size(), 4u);
  for (const auto& words : from_help) {
    EXPECT_EQ(readme.count(Join(words)), 1u) << "README lacks --help's example: " << Join(words);
  }
}

TEST(DocsTest, PackagedExtraOptsExampleParses) {
  const std::string ini = SourceDir() + "/deploy/check/check_exchange_delivery.ini";
  for (const std::string& spec : {"@" + ini, "branch@" + ini}) {
    const ProgramResult r =
        RunProgram({CheckBinary(), "mailbox", "--extra-opts=" + spec, "--help"});
    EXPECT_EQ(r.exit_code, 3) << spec << ": " << r.out;  // the help, not an error
    EXPECT_NE(r.out.find("Usage: check_exchange_delivery MODE"), std::string::npos) << r.out;
  }
  // The same file without --help reaches the run: its (absent) inputs are reported.
  const ProgramResult run = RunProgram({CheckBinary(), "mailbox", "--extra-opts=@" + ini});
  EXPECT_EQ(run.exit_code, 3) << run.out;
  EXPECT_NE(run.out.find("cannot read --tracking-dir '/srv/exchange/EXCH01.log'"),
            std::string::npos)
      << run.out;
}

// The README's ```ini blocks: a [check_exchange_delivery] block is an --extra-opts file for the
// check, any other block an exporter.ini fragment for the exporter's own config loader.
std::vector<std::string> ReadmeIniBlocks() {
  std::vector<std::string> blocks;
  std::string block;
  bool inside = false;
  for (const std::string& line : SplitLines(ReadFile(SourceDir() + "/README.md"))) {
    if (!inside && line == "```ini") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      blocks.push_back(block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

TEST(DocsTest, ReadmeIniBlocksAreReadByTheToolsOwnLoaders) {
  const std::vector<std::string> blocks = ReadmeIniBlocks();
  ASSERT_GE(blocks.size(), 3u);
  TempDir dir("exdm-docs");
  size_t check_blocks = 0, exporter_blocks = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const std::string name = "block" + std::to_string(i) + ".ini";
    dir.Write(name, blocks[i]);
    if (blocks[i].find("[check_exchange_delivery]") != std::string::npos) {
      ++check_blocks;
      // Parsed for real (not --help): the run gets as far as its inputs, which do not exist here.
      const ProgramResult r =
          RunProgram({CheckBinary(), "events", "--extra-opts=@" + dir.File(name), "--state-file",
                      dir.File("state")});
      EXPECT_EQ(r.exit_code, 3) << blocks[i] << r.out;
      EXPECT_NE(r.out.find("cannot read --event-file"), std::string::npos) << blocks[i] << r.out;
      continue;
    }
    ++exporter_blocks;
    // As systemd starts the exporter: LoadCredential= sets this (README: the bind password).
    setenv("CREDENTIALS_DIRECTORY", "/run/credentials/exchange-delivery-exporter.service", 1);
    const std::string path = dir.File(name);
    const char* argv[] = {"exchange_delivery_exporter", "--config.file", path.c_str()};
    const auto parsed = exporter::ParseExporterCommandLine(3, argv);
    ASSERT_TRUE(parsed.ok()) << blocks[i] << parsed.status().message();
    const exporter::ExporterConfig& c = parsed->config;
    EXPECT_FALSE(c.tracking.dirs.empty() && c.events.files.empty() && c.ldap.uris.empty() &&
                 c.queue_snapshot.files.empty() && c.mailbox_snapshot.files.empty() &&
                 c.dsaccess_snapshot.files.empty())
        << "block configures nothing the loader understood:\n"
        << blocks[i];
    for (const NamedPath& p : c.tracking.dirs)
      EXPECT_EQ(p.server, "EXCH01") << blocks[i];
    for (const NamedPath& p : c.events.files)
      EXPECT_EQ(p.server, "EXCH01") << blocks[i];
    for (const NamedPath& p : c.queue_snapshot.files)
      EXPECT_EQ(p.server, "EXCH01") << blocks[i];
    for (const NamedPath& p : c.mailbox_snapshot.files)
      EXPECT_EQ(p.server, "EXCH01") << blocks[i];
    for (const NamedPath& p : c.dsaccess_snapshot.files)
      EXPECT_EQ(p.server, "EXCH01") << blocks[i];
  }
  EXPECT_GE(check_blocks, 1u);
  EXPECT_GE(exporter_blocks, 2u);
}

// The paths the README configures are the ones the shipped recipes produce: the mount unit's
// mount point and the rsyslog snippet's output file.
TEST(DocsTest, ReadmeUsesThePathsTheCollectionRecipesCreate) {
  const std::string readme = ReadFile(SourceDir() + "/README.md");
  const std::string mount = ReadFile(SourceDir() + "/deploy/collect/srv-exchange-EXCH01.log.mount");
  const size_t where = mount.find("\nWhere=");
  ASSERT_NE(where, std::string::npos);
  const std::string mount_point = mount.substr(where + 7, mount.find('\n', where + 1) - where - 7);
  EXPECT_NE(readme.find("dir = EXCH01=" + mount_point + "\n"), std::string::npos) << mount_point;
  EXPECT_NE(readme.find("--tracking-dir EXCH01=" + mount_point + " "), std::string::npos);
  const std::string rsyslog = ReadFile(SourceDir() + "/deploy/collect/rsyslog-exchange.conf");
  const size_t file = rsyslog.find("file=\"/");
  ASSERT_NE(file, std::string::npos);
  const std::string jsonl = rsyslog.substr(file + 6, rsyslog.find('"', file + 6) - file - 6);
  EXPECT_NE(readme.find("file = EXCH01=" + jsonl + "\n"), std::string::npos) << jsonl;
  EXPECT_NE(readme.find("--event-file EXCH01=" + jsonl + " "), std::string::npos) << jsonl;
}

// ---- docs/: the documents the comments cite -------------------------------------------------

// Markdown headings of a document (outside code fences), in order.
std::vector<std::string> Headings(const std::string& markdown) {
  std::vector<std::string> headings;
  bool fenced = false;
  for (const std::string& line : SplitLines(markdown)) {
    if (line.rfind("```", 0) == 0) fenced = !fenced;
    if (fenced || line.empty() || line[0] != '#') continue;
    const size_t text = line.find_first_not_of('#');
    if (text != std::string::npos && line[text] == ' ') headings.push_back(line.substr(text + 1));
  }
  return headings;
}

// GitHub's anchor for a heading: lower case, punctuation dropped, spaces become hyphens.
std::string Anchor(const std::string& heading) {
  std::string anchor;
  for (char c : heading) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_') {
      anchor += static_cast<char>(std::tolower(u));
    } else if (c == ' ') {
      anchor += '-';
    }
  }
  return anchor;
}

// Text files of the tree that may cite documents: sources, tests, deploy files, scripts, docs.
// This file is left out: it spells the citation forms it looks for.
std::vector<std::filesystem::path> TreeTextFiles() {
  namespace fs = std::filesystem;
  const fs::path root = SourceDir();
  std::vector<fs::path> files;
  for (const char* dir :
       {"common", "checks", "exporter", "tests", "deploy", "scripts", "cmake", "docs", ".ci"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file() || e.file_size() > (1u << 20)) continue;
      if (e.path().filename() == "docs_test.cc") continue;
      const std::string head = ReadFile(e.path().string()).substr(0, 4096);
      if (head.find('\0') == std::string::npos) files.push_back(e.path());
    }
  }
  for (const char* file : {"README.md", "CHANGELOG.md", "CMakeLists.txt", "CMakePresets.json"}) {
    files.push_back(root / file);
  }
  return files;
}

// A comment's line breaks (and the "//", "#" or "'" that continue it) as single spaces, so a
// citation split over two comment lines reads as one.
std::string JoinCommentLines(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') {
      out += text[i];
      continue;
    }
    size_t j = text.find_first_not_of(" \t", i + 1);
    if (j != std::string::npos && text.compare(j, 2, "//") == 0) {
      j += 2;
    } else if (j != std::string::npos && (text[j] == '#' || text[j] == '\'')) {
      j += 1;
    }
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t'))
      ++j;
    out += ' ';
    i = j - 1;
  }
  return out;
}

struct Citation {
  std::string file;      // the citing file, relative to the tree
  std::string document;  // "ARCHITECTURE" or "DOMAIN"
  std::string section;
};

// Every `docs/ARCHITECTURE.md "Section"` and `docs/DOMAIN.md "A" and "B"` in the tree.
std::vector<Citation> Citations() {
  std::vector<Citation> out;
  for (const auto& path : TreeTextFiles()) {
    const std::string text = JoinCommentLines(ReadFile(path.string()));
    const std::string relative = std::filesystem::relative(path, SourceDir()).string();
    for (const char* document : {"ARCHITECTURE", "DOMAIN"}) {
      const std::string cite = std::string("docs/") + document + ".md \"";
      for (size_t at = text.find(cite); at != std::string::npos; at = text.find(cite, at + 1)) {
        size_t open = at + cite.size() - 1;
        while (true) {
          const size_t close = text.find('"', open + 1);
          if (close == std::string::npos) break;
          out.push_back({relative, document, text.substr(open + 1, close - open - 1)});
          // More sections of the same document: `, "B"` or ` and "C"`.
          size_t next = close + 1;
          if (text.compare(next, 3, ", \"") == 0) {
            open = next + 2;
          } else if (text.compare(next, 6, " and \"") == 0) {
            open = next + 5;
          } else {
            break;
          }
        }
      }
    }
  }
  return out;
}

TEST(DocsTest, EveryCitedDocumentSectionExistsOnce) {
  std::map<std::string, std::map<std::string, int>> sections;
  for (const char* document : {"ARCHITECTURE", "DOMAIN"}) {
    for (const std::string& h : Headings(ReadFile(SourceDir() + "/docs/" + document + ".md"))) {
      ++sections[document][h];
    }
    for (const auto& [heading, count] : sections[document]) {
      EXPECT_EQ(count, 1) << "docs/" << document << ".md has the heading \"" << heading << "\" "
                          << count << " times: a citation of it is ambiguous";
    }
  }
  const std::vector<Citation> citations = Citations();
  // The core, both front ends and the tests cite these documents dozens of times; far fewer
  // found means this scan broke, not that the citations went away.
  ASSERT_GE(citations.size(), 30u);
  for (const Citation& c : citations) {
    EXPECT_EQ(sections[c.document].count(c.section), 1u)
        << c.file << " cites docs/" << c.document << ".md \"" << c.section
        << "\", which has no such section";
  }
}

TEST(DocsTest, EveryLinkedDocumentAndAnchorExists) {
  namespace fs = std::filesystem;
  const fs::path root = SourceDir();
  size_t checked = 0;
  for (const fs::path& file : {root / "README.md", root / "docs/ARCHITECTURE.md",
                               root / "docs/DOMAIN.md", root / "tests/fixtures/orgs/README.md"}) {
    const std::string text = ReadFile(file.string());
    for (size_t at = text.find("]("); at != std::string::npos; at = text.find("](", at + 2)) {
      const size_t end = text.find(')', at + 2);
      ASSERT_NE(end, std::string::npos);
      const std::string target = text.substr(at + 2, end - at - 2);
      if (target.rfind("http", 0) == 0) continue;
      const size_t hash = target.find('#');
      const fs::path linked =
          hash == 0 ? file : (file.parent_path() / target.substr(0, hash)).lexically_normal();
      ASSERT_TRUE(fs::exists(linked)) << file << " links to " << target << ": no such file";
      if (hash == std::string::npos) continue;
      std::set<std::string> anchors;
      for (const std::string& h : Headings(ReadFile(linked.string())))
        anchors.insert(Anchor(h));
      EXPECT_EQ(anchors.count(target.substr(hash + 1)), 1u)
          << file << " links to " << target << ": no such heading";
      ++checked;
    }
  }
  EXPECT_GE(checked, 30u);
}

// A clone must explain itself: no citation of the design notes that are not in the tree, no
// path into a directory beside it.
TEST(DocsTest, NothingCitesOrReadsDocumentsOutsideTheTree) {
  // Spelled in pieces, so that grepping the tree for these names finds nothing at all.
  const std::string design = std::string("DESIGN") + ".md";
  const std::string outside = std::string("..") + "/" + "shared";
  const std::string shared_root = std::string("/work") + "/" + "shared";
  for (const auto& path : TreeTextFiles()) {
    const std::string relative = std::filesystem::relative(path, SourceDir()).string();
    const std::string text = ReadFile(path.string());
    EXPECT_EQ(text.find(design), std::string::npos) << relative << " cites " << design;
    EXPECT_EQ(text.find(outside), std::string::npos) << relative << " reads " << outside;
    EXPECT_EQ(text.find(shared_root), std::string::npos) << relative << " reads " << shared_root;
    if (relative.rfind("docs/", 0) == 0) continue;  // docs/ link each other by file name
    for (const std::string name : {"DOMAIN.md", "ARCHITECTURE.md"}) {
      for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
        EXPECT_TRUE(at >= 5 && text.compare(at - 5, 5, "docs/") == 0)
            << relative << " names " << name << " without its place, docs/";
      }
    }
  }
}

// Long options in --help and the names in docs/ARCHITECTURE.md, compared whole ("--warning" is
// not found inside "--warning-age").
bool NamesOption(const std::string& text, const std::string& option) {
  for (size_t at = text.find(option); at != std::string::npos; at = text.find(option, at + 1)) {
    const size_t after = at + option.size();
    const auto next = after < text.size() ? static_cast<unsigned char>(text[after]) : ' ';
    if (!std::isalnum(next) && next != '-' && next != '_' && next != '.') return true;
  }
  return false;
}

TEST(DocsTest, ArchitectureNamesEveryOptionOfBothPrograms) {
  const std::string architecture = ReadFile(SourceDir() + "/docs/ARCHITECTURE.md");
  const std::set<std::string> check = HelpLongOptions(RunProgram({CheckBinary(), "--help"}).out);
  const std::set<std::string> exporter =
      HelpLongOptions(RunProgram({ExporterBinary(), "--help"}).out);
  ASSERT_GT(check.size(), 30u);
  ASSERT_GT(exporter.size(), 20u);
  for (const std::set<std::string>* options : {&check, &exporter}) {
    for (const std::string& option : *options) {
      EXPECT_TRUE(NamesOption(architecture, option)) << option << " is not in docs/ARCHITECTURE.md";
    }
  }
}

TEST(DocsTest, ArchitectureListsExactlyTheExportedMetricFamilies) {
  const std::string architecture = ReadFile(SourceDir() + "/docs/ARCHITECTURE.md");
  const size_t from = architecture.find("\n## Metric families\n");
  ASSERT_NE(from, std::string::npos);
  const size_t to = architecture.find("\n## ", from + 1);
  std::set<std::string> listed;
  for (const std::string& line : SplitLines(architecture.substr(from, to - from))) {
    if (line.rfind("| `exchange_", 0) != 0 && line.rfind("| `process_", 0) != 0) continue;
    listed.insert(line.substr(3, line.find('`', 3) - 3));
  }
  const std::set<std::string> exported = ExportedMetricNames();
  for (const std::string& name : exported) {
    EXPECT_EQ(listed.count(name), 1u) << name << " is exported but not in docs/ARCHITECTURE.md";
  }
  for (const std::string& name : listed) {
    EXPECT_EQ(exported.count(name), 1u) << name << " is in docs/ARCHITECTURE.md but not exported";
  }
  EXPECT_GE(listed.size(), 30u);
}

}  // namespace
}  // namespace exdm::testing
