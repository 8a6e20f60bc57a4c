// LDAP search filter values (RFC 4515): anything taken from AD, a user or a log passes through
// here before it lands in a filter, so names like "Store (1)*" cannot change the filter's meaning.
#pragma once

#include <string>
#include <string_view>

namespace exdm {

// Escapes '*', '(', ')', '\', NUL and every other control byte as "\xx"; UTF-8 stays as is.
std::string EscapeFilterValue(std::string_view value);

// Every byte as "\xx": for binary attributes such as objectGUID.
std::string EscapeFilterBytes(std::string_view bytes);

}  // namespace exdm
