// Base64 (RFC 4648, standard alphabet, padded): the repair LDIF's `::` values, HTTP basic auth,
// and the tests that read LDIF back.
#pragma once

#include <string>
#include <string_view>

namespace exdm {

std::string Base64Encode(std::string_view bytes);

// Strict: only the alphabet, padding only at the end and at most two '='. False (and `out`
// unspecified) for anything else, so a malformed credential is refused, not half-read.
bool Base64Decode(std::string_view text, std::string& out);

}  // namespace exdm
