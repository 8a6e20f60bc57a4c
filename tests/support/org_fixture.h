// Generated Exchange organizations for tests: runs tests/generators/exdm_gen_org and reads its
// manifest (stores, expected SMTP mailboxes, planted faults with the expected finding).
//
//   TempDir tmp;
//   auto org = GenerateOrg({SampleOrg("all-faults")}, tmp.path());
//   ASSERT_TRUE(org);
//   auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
//   for (const auto& f : org->manifest["faults"]) ... f["finding"], f["store_guid"] ...
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace exdm::testing {

struct GeneratedOrg {
  std::string ldif_path;
  std::string manifest_path;
  nlohmann::ordered_json manifest;
};

// tests/fixtures/orgs/<name>.json: healthy, demo, all-faults, hostile-names.
std::string SampleOrg(const std::string& name);

// Runs exdm_gen_org with `args` (a description path or scale options; -o/--manifest are added)
// writing org.ldif and manifest.json into `dir`. Records a test failure and returns nullopt when
// the generator fails.
std::optional<GeneratedOrg> GenerateOrg(const std::vector<std::string>& args,
                                        const std::string& dir);

// "3e4385bb-7c43-..." (manifest form) -> "\bb\85\43\3e..." for an (objectGUID=...) filter.
// Written independently of the generator so the tests cross-check its byte order.
std::string GuidTextToFilterValue(const std::string& text);

}  // namespace exdm::testing
