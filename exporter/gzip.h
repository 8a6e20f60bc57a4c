// gzip (RFC 1952) of a whole buffer, for `Content-Encoding: gzip` responses compressed once per
// snapshot rather than once per scrape.
#pragma once

#include <string>
#include <string_view>

namespace exdm::exporter {

// Never fails for in-memory input short of allocation failure (which throws like any allocation).
std::string GzipCompress(std::string_view data);

}  // namespace exdm::exporter
