// The identity of a store, shared by every source and both front ends.
// Label values: server/storage_group/store are AD cn values, store_guid is the
// objectGUID in lower-case text form without braces.
#pragma once

#include <string>
#include <string_view>

namespace exdm {

enum class StoreType { kMailbox, kPublic };
std::string_view StoreTypeName(StoreType type);  // "mailbox" / "public"

// Server names are NetBIOS names, which Windows compares without regard to case: "exch01" in a
// tracking-directory label and "EXCH01" in AD are the same server.
bool SameServerName(std::string_view a, std::string_view b);

// The identity of a store as it appears in labels and plugin output.
struct StoreRef {
  std::string server;
  std::string storage_group;
  std::string store;

  bool operator==(const StoreRef& o) const {
    return server == o.server && storage_group == o.storage_group && store == o.store;
  }
  bool operator<(const StoreRef& o) const {
    if (server != o.server) return server < o.server;
    if (storage_group != o.storage_group) return storage_group < o.storage_group;
    return store < o.store;
  }
  // "EXCH01 / First Storage Group / Mailbox Store (EXCH01)"
  std::string Display() const;
};

}  // namespace exdm
