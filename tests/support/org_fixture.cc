#include "org_fixture.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>

#include "paths.h"
#include "process.h"

namespace exdm::testing {

std::string SampleOrg(const std::string& name) {
  return SourceDir() + "/tests/fixtures/orgs/" + name + ".json";
}

std::optional<GeneratedOrg> GenerateOrg(const std::vector<std::string>& args,
                                        const std::string& dir) {
  GeneratedOrg org;
  org.ldif_path = dir + "/org.ldif";
  org.manifest_path = dir + "/manifest.json";
  std::vector<std::string> argv = {GeneratorBinary("exdm_gen_org")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"-o", org.ldif_path, "--manifest", org.manifest_path});
  ProcessResult r = RunProcess(argv);
  if (!r.ok()) {
    ADD_FAILURE() << ShellQuote(argv) << " exited " << r.exit_code << ":\n" << r.output;
    return std::nullopt;
  }
  std::ifstream in(org.manifest_path);
  try {
    org.manifest = nlohmann::ordered_json::parse(in);
  } catch (const std::exception& e) {
    ADD_FAILURE() << org.manifest_path << ": " << e.what();
    return std::nullopt;
  }
  return org;
}

std::string GuidTextToFilterValue(const std::string& text) {
  std::string hex;
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
  }
  if (hex.size() != 32) return {};
  // Text groups 1-3 are the little-endian fields: stored bytes 3,2,1,0 / 5,4 / 7,6, then 8..15.
  static constexpr int kStoredToText[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  std::string out;
  for (int stored = 0; stored < 16; ++stored) {
    const auto pos = static_cast<size_t>(2 * kStoredToText[stored]);
    out += '\\';
    out += hex.substr(pos, 2);
  }
  return out;
}

}  // namespace exdm::testing
