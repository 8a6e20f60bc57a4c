#include "forest_fixture.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace exdm::testing {

std::string Forest::partition(const std::string& name) const {
  return dir->File(name + ".ldif");
}

std::unique_ptr<Forest> Forest::Start(const std::string& description) {
  auto forest = std::make_unique<Forest>();
  forest->dir = std::make_unique<TempDir>("exdm-forest");
  forest->org =
      GenerateOrg({description, "--partition-dir", forest->dir->path()}, forest->dir->path());
  if (!forest->org) return nullptr;
  const auto& domains = forest->org->manifest["domains"];
  if (domains.size() != 2) {
    ADD_FAILURE() << description << ": the forest fixture needs \"domains\" with one child domain";
    return nullptr;
  }
  forest->root_dn = domains[0]["dn"].get<std::string>();
  forest->child_dn = domains[1]["dn"].get<std::string>();
  const std::string root_dns = domains[0]["dns"].get<std::string>();
  const std::string child_dns = domains[1]["dns"].get<std::string>();
  auto partition = [&](const std::string& name) {
    const std::string path = forest->partition(name);
    return std::filesystem::exists(path) ? std::optional<std::string>(path) : std::nullopt;
  };

  Slapd::Options gc;
  gc.suffix = forest->root_dn;
  gc.global_catalog = true;
  gc.domains = {forest->child_dn};
  for (const std::string& name : {std::string("config"), root_dns, child_dns}) {
    if (auto p = partition(name)) gc.ldif_files.push_back(*p);
  }
  forest->gc = Slapd::Start(gc);
  if (!forest->gc) return nullptr;

  Slapd::Options root;
  root.suffix = forest->root_dn;
  root.subordinates = {forest->child_dn + "=" + kChildDcUrl + "/" + forest->child_dn};
  root.monitor_secret_file = forest->gc->monitor_password_file();
  for (const std::string& name : {std::string("config"), root_dns}) {
    if (auto p = partition(name)) root.ldif_files.push_back(*p);
  }
  forest->root_dc = Slapd::Start(root);
  if (!forest->root_dc) return nullptr;

  Slapd::Options child;
  child.suffix = forest->child_dn;
  child.forest_root = forest->root_dn;
  child.referral = std::string(kRootDcUrl) + "/";
  child.monitor_secret_file = forest->gc->monitor_password_file();
  for (const std::string& name : {std::string("config"), child_dns}) {
    if (auto p = partition(name)) child.ldif_files.push_back(*p);
  }
  forest->child_dc = Slapd::Start(child);
  if (!forest->child_dc) return nullptr;
  return forest;
}

}  // namespace exdm::testing
