// Text from AD and logs is hostile: it may hold newlines, '|', escape sequences, broken UTF-8.
// Everything shown in plugin output or used as a label passes through here first.
#pragma once

#include <string>
#include <string_view>

namespace exdm {

// Makes `text` safe for one line of plugin output:
//  - control characters become '?': C0 (including TAB, CR, LF), DEL, C1 (U+0080..U+009F, e.g.
//    NEL) and the Unicode line/paragraph separators U+2028/U+2029, so a value can never start a
//    new output line;
//  - '|' becomes '/', so a value can never open a second perfdata section;
//  - valid UTF-8 is kept; each byte of an invalid sequence (overlong, surrogate, > U+10FFFF,
//    truncated) becomes '?', so consumers that validate UTF-8 do not choke.
// The result is at most max_bytes long: when it would be longer it is cut on a character boundary
// and ends in "..." (the ellipsis counts toward max_bytes).
std::string SanitizeForOutput(std::string_view text, size_t max_bytes = 512);

}  // namespace exdm
