#include "exdm/base/store_ref.h"

#include "exdm/base/text_util.h"

namespace exdm {

std::string_view StoreTypeName(StoreType type) {
  return type == StoreType::kPublic ? "public" : "mailbox";
}

bool SameServerName(std::string_view a, std::string_view b) {
  return EqualsIgnoreCase(a, b);
}

std::string StoreRef::Display() const {
  return server + " / " + storage_group + " / " + store;
}

}  // namespace exdm
