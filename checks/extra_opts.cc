#include "extra_opts.h"

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <map>
#include <sstream>

#include "check_options.h"
#include "exdm/base/small_file.h"

namespace po = boost::program_options;

namespace exdm::check {
namespace {

Status Bad(const std::string& message) {
  return Status(ErrorCode::kInvalidArgument, message);
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "[section][@file]": the section defaults to the program name; without a file, the standard
// locations are searched (MP_CONFIG_FILE, then /etc/nagios/plugins.ini and friends).
struct ExtraOptsSpec {
  std::string section = "check_exchange_delivery";
  std::string file;  // empty: search the standard locations
};

ExtraOptsSpec ParseSpec(const std::string& spec) {
  ExtraOptsSpec out;
  const size_t at = spec.find('@');
  if (at == std::string::npos) {
    if (!spec.empty()) out.section = spec;
  } else {
    if (at > 0) out.section = spec.substr(0, at);
    out.file = spec.substr(at + 1);
  }
  return out;
}

std::vector<std::string> CandidateFiles(const ExtraOptsSpec& spec) {
  if (!spec.file.empty()) return {spec.file};
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("MP_CONFIG_FILE")) candidates.emplace_back(env);
  for (const char* p : {"/etc/nagios/plugins.ini", "/usr/local/nagios/etc/plugins.ini",
                        "/usr/local/etc/nagios/plugins.ini", "/etc/opt/nagios/plugins.ini",
                        "/etc/nagios-plugins.ini", "/usr/local/etc/nagios-plugins.ini",
                        "/etc/opt/nagios-plugins.ini", "/etc/monitoring-plugins.ini"}) {
    candidates.emplace_back(p);
  }
  return candidates;
}

// Options files are small: a megabyte is far beyond any real one, and a bound that holds.
constexpr size_t kMaxExtraOptsBytes = 1 << 20;

// Keys that may appear more than once in a section: the repeatable options, and -v, which counts.
bool IsRepeatable(const std::string& key, const po::option_description* known) {
  return key == "verbose" || key == "v" || (known && known->semantic()->is_composing());
}

// One "key = value" line of the section as command-line words: "--key=value" ("-k value" for a
// one-letter key); "key" or "key =" a bare "--key" for switches. `where` prefixes errors. A key
// given twice in a section is refused unless the option is repeatable: lib/parse_ini.c would
// pass both and the last would silently win, which hides a copy-and-paste mistake.
// `first_line` maps the keys seen so far in the section to their line.
Status AppendOption(const std::string& text, int number, const std::string& where,
                    const std::string& section, const po::options_description& desc,
                    std::map<std::string, int>& first_line, std::vector<std::string>& args) {
  const size_t eq = text.find('=');
  const std::string key = Trim(text.substr(0, eq));
  const std::string value = eq == std::string::npos ? std::string() : Trim(text.substr(eq + 1));
  if (key.empty()) return Bad(where + "missing option name before '='");
  if (key == "extra-opts") return Bad(where + "a section may not include extra-opts");
  const po::option_description* known =
      key.size() == 1 ? desc.find_nothrow("-" + key, false) : desc.find_nothrow(key, false);
  const std::string canonical = known ? known->long_name() : key;
  if (!IsRepeatable(canonical, known)) {
    const auto [seen, inserted] = first_line.emplace(canonical, number);
    if (!inserted) {
      return Bad(where + "'" + key + "' is given twice in [" + section + "] (first on line " +
                 std::to_string(seen->second) + "); it takes one value");
    }
  }
  const bool is_switch = known && known->semantic()->max_tokens() == 0;
  if (is_switch && !value.empty()) {
    return Bad(where + "'" + key + "' is a switch and takes no value");
  }
  if (key.size() == 1) {
    // "-k" and the value as its own word: "-k=value" would hand the '=' to the option.
    args.push_back("-" + key);
    if (!is_switch && eq != std::string::npos) args.push_back(value);
  } else {
    args.push_back(is_switch || eq == std::string::npos ? "--" + key : "--" + key + "=" + value);
  }
  return Status::Ok();
}

// The options of `section` in one INI file (lib/parse_ini.c). Blank lines and lines starting
// with '#' or ';' are comments; an option outside any section is an error.
Result<std::vector<std::string>> SectionOptions(std::istream& in, const std::string& path,
                                                const std::string& section,
                                                const po::options_description& desc) {
  std::vector<std::string> args;
  std::map<std::string, int> first_line;  // key -> line, in the section being read
  bool in_section = false, found = false, seen_section = false;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string text = Trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    const std::string where = "--extra-opts: " + path + ":" + std::to_string(number) + ": ";
    if (text[0] == '[') {
      const size_t close = text.find(']');
      if (close == std::string::npos) return Bad(where + "unterminated section header");
      seen_section = true;
      in_section = Trim(text.substr(1, close - 1)) == section;
      found = found || in_section;
      continue;
    }
    if (!seen_section) return Bad(where + "option outside of any [section]");
    if (!in_section) continue;
    if (Status s = AppendOption(text, number, where, section, desc, first_line, args); !s.ok())
      return s;
  }
  if (!found) return Bad("--extra-opts: no section [" + section + "] in '" + path + "'");
  return args;
}

}  // namespace

Result<std::vector<std::string>> ReadExtraOpts(const std::string& spec_text,
                                               const po::options_description& desc,
                                               const Deadline& deadline) {
  const ExtraOptsSpec spec = ParseSpec(spec_text);
  for (const std::string& path : CandidateFiles(spec)) {
    // Regular files only, at most kMaxExtraOptsBytes, within the deadline (small_file.h).
    Result<std::string> content =
        ReadSmallFile(path, "--extra-opts file", kMaxExtraOptsBytes, deadline);
    if (!content.ok()) {
      // A standard location that does not exist is skipped; anything else there is an error.
      if (spec.file.empty() && content.status().code() == ErrorCode::kIoError) continue;
      return Bad(content.status().message());
    }
    std::istringstream in(*content);
    return SectionOptions(in, path, spec.section, desc);
  }
  return Bad("--extra-opts: no configuration file found for section [" + spec.section +
             "] (looked in $MP_CONFIG_FILE, /etc/nagios/plugins.ini, ...)");
}

Deadline ExtraOptsDeadline(const std::vector<std::string>& command_line) {
  long long seconds = 30;
  for (size_t i = 0; i < command_line.size(); ++i) {
    const std::string& a = command_line[i];
    std::string value;
    if ((a == "-t" || a == "--timeout") && i + 1 < command_line.size()) {
      value = command_line[i + 1];
    } else if (a.rfind("--timeout=", 0) == 0) {
      value = a.substr(10);
    } else if (a.rfind("-t", 0) == 0 && a.size() > 2) {
      value = a.substr(2);
    } else {
      continue;
    }
    value = value.substr(0, value.find(':'));
    char* end = nullptr;
    const long long v = std::strtoll(value.c_str(), &end, 10);
    if (!value.empty() && *end == '\0' && v > 0 && v <= 86400) seconds = v;
  }
  return Deadline::After(std::chrono::seconds(seconds));
}

// As lib/extra_opts.c does before getopt.
std::vector<std::string> TakeExtraOpts(const std::vector<std::string>& args,
                                       std::vector<std::string>& rest) {
  static const std::string kName = "--extra-opts";
  std::vector<std::string> specs;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (a.rfind(kName + "=", 0) == 0) {
      specs.push_back(a.substr(kName.size() + 1));
    } else if (a == kName) {
      const bool next_is_spec = i + 1 < args.size() && !args[i + 1].empty() &&
                                args[i + 1][0] != '-' && !ParseModeName(args[i + 1]);
      specs.push_back(next_is_spec ? args[++i] : std::string());
    } else {
      rest.push_back(a);
    }
  }
  return specs;
}

}  // namespace exdm::check
