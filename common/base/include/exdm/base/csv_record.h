// RFC 4180 records, read incrementally (private header): the Log Parser event export and the WMI
// queue snapshot are both CSV.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace exdm {

// One record starting at `pos` (advanced past it). Returns false when the data ends before the
// record does (no line end yet, or a quote still open) unless `final` says there is no more data
// coming. `malformed` is set for a quote in the middle of an unquoted field or text after a
// closing quote. CRLF, LF and a lone CR end a record; quoted fields may hold them.
bool NextCsvRecord(std::string_view data, size_t& pos, bool final, std::vector<std::string>& fields,
                   bool& malformed);

}  // namespace exdm
