// gzip (RFC 1952) for `Content-Encoding: gzip` responses. The snapshot (large) is compressed once
// per refresh into an open prefix; each response appends a small tail compressed on the spot (the
// process_* metrics, read at scrape time) and closes the stream. Prefix and tail form one gzip
// member, so every client decodes it, including those that stop after the first member.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace exdm::exporter {

struct GzipPrefix {
  std::string bytes;        // gzip header + deflate blocks ending on a byte boundary, not final
  uint32_t crc32 = 0;       // of the uncompressed prefix
  uint64_t input_size = 0;  // uncompressed prefix length
};

// Never fails for in-memory input short of allocation failure (which throws like any allocation).
GzipPrefix GzipCompressPrefix(std::string_view data);
// The bytes that follow prefix.bytes: `tail` compressed, the final block and the gzip trailer.
std::string GzipFinish(const GzipPrefix& prefix, std::string_view tail);

// A whole gzip stream (prefix and finish in one), for tests and callers without a tail.
std::string GzipCompress(std::string_view data);

}  // namespace exdm::exporter
