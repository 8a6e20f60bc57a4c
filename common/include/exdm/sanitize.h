// Text from AD and logs is hostile: it may hold newlines, '|', escape sequences. Everything shown
// in plugin output or used as a label passes through here first.
#pragma once

#include <string>
#include <string_view>

namespace exdm {

// Replaces control characters (C0, DEL) with '?' and '|' with '/', so a value can never start a
// new output line or open a second perfdata section. Bytes >= 0x80 are kept (UTF-8 names), but an
// invalid UTF-8 sequence is replaced by '?' so consumers that validate UTF-8 do not choke.
// Truncates to max_bytes (on a character boundary) with a trailing "...".
std::string SanitizeForOutput(std::string_view text, size_t max_bytes = 512);

}  // namespace exdm
