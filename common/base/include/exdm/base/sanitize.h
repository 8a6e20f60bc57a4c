// Text from AD and logs is hostile: it may hold newlines, '|', escape sequences, broken UTF-8.
// Everything shown in plugin output or used as a label passes through here first.
#pragma once

#include <string>
#include <string_view>

namespace exdm {

// Makes `text` safe for one line of plugin output:
//  - control characters become '?': C0 (including TAB, CR, LF), DEL, C1 (U+0080..U+009F, e.g.
//    NEL) and the Unicode line/paragraph separators U+2028/U+2029, so a value can never start a
//    new output line; so do the bidirectional controls (U+061C, U+200E/F, U+202A..U+202E,
//    U+2066..U+2069), so a value can never reverse or reorder the text after it;
//  - '|' becomes '/', so a value can never open a second perfdata section;
//  - valid UTF-8 is kept; each byte of an invalid sequence (overlong, surrogate, > U+10FFFF,
//    truncated) becomes '?', so consumers that validate UTF-8 do not choke.
// The result is at most max_bytes long: when it would be longer it is cut on a character boundary
// and ends in "..." (the ellipsis counts toward max_bytes).
std::string SanitizeForOutput(std::string_view text, size_t max_bytes = 512);

// `text` with the local part of every e-mail address replaced by '*' ("jdoe@contoso.com" ->
// "*@contoso.com", "<1A2B@EXCH01.contoso.com>" -> "<*@EXCH01.contoso.com>"): excerpts of bad
// input lines shown to admins keep the domain, never whom a message was for.
std::string RedactAddresses(std::string_view text);

// Label values longer than this are shortened (LabelValue).
constexpr size_t kMaxLabelValueBytes = 1024;

// A Prometheus label value for `text`, distinct for distinct texts. The text itself when it is
// valid UTF-8 without NUL and at most kMaxLabelValueBytes long: the text exposition escapes '\',
// '"' and newline and allows every other character, so "Sales|EU" and "Sales/EU", or "Ops\nA"
// and "Ops\rA", stay two label values (SanitizeForOutput would make them one, and Prometheus
// would keep one of the two series). Otherwise the text must change (Prometheus refuses invalid
// UTF-8): each byte of an invalid sequence and each NUL becomes U+FFFD, a text too long is cut on
// a character boundary, and " #" and 16 hex digits of a 64-bit FNV-1a hash of the original bytes
// are appended, so two such texts stay apart too.
std::string LabelValue(std::string_view text);

}  // namespace exdm
