// tests/fixtures/store_snapshot/: the mailbox and DSAccess snapshots written by hand from the
// documented WMI properties (its README says what each holds).
#pragma once

#include <string>

#include "exdm/store/dsaccess_snapshot.h"
#include "exdm/store/mailbox_snapshot.h"

namespace exdm::testing {

std::string StoreSnapshotFixture(const std::string& name);  // its path

// The fixture parsed for `server` ("" = the file's); a test failure and an empty snapshot when it
// does not parse.
MailboxSnapshot LoadMailboxSnapshotFixture(const std::string& name, const std::string& server);
DsAccessSnapshot LoadDsAccessSnapshotFixture(const std::string& name, const std::string& server);

}  // namespace exdm::testing
