// Naming of per-server inputs given as "[NAME=]PATH" (--tracking-dir, --event-file, config keys).
#pragma once

#include <string>
#include <string_view>

#include "exdm/base/status.h"

namespace exdm {

struct NamedPath {
  std::string server;  // Exchange server cn, e.g. "EXCH01"
  std::string path;
};

// "EXCH01=/srv/exchange/EXCH01.log" names the server explicitly. Without "NAME=", the server is
// derived from the last path component with a ".log" suffix or a "-application…" tail removed
// ("/srv/exchange/EXCH01.log" -> EXCH01, the share Exchange itself names \\EXCH01\EXCH01.log).
Result<NamedPath> ParseNamedPath(std::string_view spec);

}  // namespace exdm
