#include "store_snapshot_fixtures.h"

#include <gtest/gtest.h>

#include "collector_script.h"
#include "paths.h"

namespace exdm::testing {
namespace {

template <typename Snapshot, typename Parse>
Snapshot Load(const std::string& name, const std::string& server, Parse parse) {
  auto snapshot = parse(ReadTextFile(StoreSnapshotFixture(name)), server);
  if (!snapshot) {
    ADD_FAILURE() << name << ": " << snapshot.status().message();
    return Snapshot();
  }
  return *snapshot;
}

}  // namespace

std::string StoreSnapshotFixture(const std::string& name) {
  return SourceDir() + "/tests/fixtures/store_snapshot/" + name;
}

MailboxSnapshot LoadMailboxSnapshotFixture(const std::string& name, const std::string& server) {
  return Load<MailboxSnapshot>(name, server, ParseMailboxSnapshot);
}

DsAccessSnapshot LoadDsAccessSnapshotFixture(const std::string& name, const std::string& server) {
  return Load<DsAccessSnapshot>(name, server, ParseDsAccessSnapshot);
}

}  // namespace exdm::testing
