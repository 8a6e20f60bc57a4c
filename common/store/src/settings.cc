#include "exdm/store/settings.h"

namespace exdm {

StoreSnapshotOptions MakeStoreSnapshotOptions(const StoreSnapshotSettings& settings, int64_t now) {
  StoreSnapshotOptions read;
  read.files = settings.files;
  read.now = now;
  read.max_age_seconds = settings.max_age_seconds;
  return read;
}

}  // namespace exdm
