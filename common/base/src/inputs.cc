#include "exdm/base/inputs.h"

#include "exdm/base/text_util.h"

namespace exdm {

Result<NamedPath> ParseNamedPath(std::string_view spec) {
  spec = TrimAscii(spec);
  if (spec.empty()) return Status(ErrorCode::kInvalidArgument, "empty input path");
  NamedPath out;
  const size_t eq = spec.find('=');
  // A '=' before the first '/' separates a name; later ones belong to the path.
  const size_t slash = spec.find('/');
  if (eq != std::string_view::npos && (slash == std::string_view::npos || eq < slash)) {
    out.server = std::string(TrimAscii(spec.substr(0, eq)));
    out.path = std::string(TrimAscii(spec.substr(eq + 1)));
    if (out.server.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "empty server name in '" + std::string(spec) + "'");
    }
  } else {
    out.path = std::string(spec);
    std::string_view base = spec;
    while (!base.empty() && base.back() == '/')
      base.remove_suffix(1);
    const size_t last = base.rfind('/');
    if (last != std::string_view::npos) base = base.substr(last + 1);
    if (base.size() > 4 && EqualsIgnoreCase(base.substr(base.size() - 4), ".log")) {
      base.remove_suffix(4);
    }
    const size_t dash = base.find('-');
    if (dash != std::string_view::npos && dash > 0) base = base.substr(0, dash);
    const size_t dot = base.find('.');
    if (dot != std::string_view::npos && dot > 0) base = base.substr(0, dot);
    out.server = std::string(base);
  }
  if (out.path.empty()) {
    return Status(ErrorCode::kInvalidArgument, "empty path in '" + std::string(spec) + "'");
  }
  if (out.server.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "cannot derive a server name from '" + std::string(spec) + "'; use NAME=PATH");
  }
  return out;
}

}  // namespace exdm
