#include "exdm/state/location.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "exdm/state/checksum.h"

namespace exdm {

namespace {

// The compiled-in prefix of DefaultStatePath: world-writable and sticky everywhere, so every user
// can make their own directory in it, and it survives a reboot (unlike /tmp).
constexpr const char kDefaultStatePathPrefix[] = "/var/tmp";

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string StatePathPrefix() {
  for (const char* name : {"MP_STATE_PATH", "NAGIOS_PLUGIN_STATE_DIRECTORY"}) {
    // secure_getenv: a setuid or setgid run ignores both, as the C plugins do (mp_suid()).
    const char* value = ::secure_getenv(name);
    if (value == nullptr || *value == '\0') continue;
    std::string prefix = value;
    while (prefix.size() > 1 && prefix.back() == '/')
      prefix.pop_back();
    return prefix;
  }
  return kDefaultStatePathPrefix;
}

}  // namespace

std::string InputsKey(const std::vector<std::string>& inputs) {
  std::vector<std::string> sorted = inputs;
  std::sort(sorted.begin(), sorted.end());
  std::string key;
  for (const std::string& s : sorted) {
    key += s;
    key += '\n';
  }
  return key;
}

std::string DefaultStatePath(std::string_view mode, const std::vector<std::string>& inputs) {
  return StatePathPrefix() + "/" + std::to_string(::geteuid()) + "/check_exchange_delivery/" +
         std::string(mode) + "-" + Hex16(Fnv1a64(InputsKey(inputs))) + ".state";
}

}  // namespace exdm
