// Loads an organization written by tests/generators/exdm_gen_org into a Samba AD DC the way such
// an organization comes to exist in Active Directory, not the way slapadd copies it:
//
//   1. everything that does not name a store's GUID (containers, servers, MTAs, stores, users) is
//      added first, without objectGUID (AD assigns it) and without homeMDBBL (AD maintains it);
//   2. the objectGUIDs AD gave the stores are read back, and every generator GUID in the SMTP
//      mailboxes and system mailboxes (their cn, DN, legacyExchangeDN, mail) is replaced by AD's;
//      then those are added;
//   3. references to objects the LDIF does not contain are made by deletion, as in AD: a stand-in
//      object is created where the reference points (an MTA of a server "without MTA", a store),
//      referenced, then deleted. Linked homeMDB values vanish with it; plain DNs (homeMTA) keep
//      pointing at the tombstone (`CN=Microsoft MTA\0ADEL:<guid>,CN=Deleted Objects,...`). A value
//      that already names a tombstone gets a fresh stand-in of its own that is deleted likewise.
//
//   AdOrganization org;
//   ASSERT_TRUE(LoadOrganization(*dc, generated->ldif_path, &org));
//   org.Rewrite(manifest_value)   // generator GUIDs in a manifest string -> AD's
//
// Entries AD refuses are reported in `refused` (DN and AD's reason); LoadOrganization fails only
// when LDAP itself fails or a step other than those adds goes wrong.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "samba_fixture.h"

namespace exdm::testing {

struct AdOrganization {
  // Generator store GUID -> the one AD assigned, both lower case without braces.
  std::map<std::string, std::string> store_guids;
  std::vector<std::string> stand_ins;  // DNs created and deleted to make dangling references
  std::vector<std::string> refused;    // "DN: reason" for entries AD would not add
  size_t added = 0;                    // entries of the LDIF added
  double seconds = 0;                  // wall time of the whole load

  // `text` with every generator store GUID replaced by AD's, in the same letter case.
  std::string Rewrite(const std::string& text) const;
};

::testing::AssertionResult LoadOrganization(const SambaDc& dc, const std::string& ldif_path,
                                            AdOrganization* out);

}  // namespace exdm::testing
