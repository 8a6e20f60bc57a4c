#include "gzip.h"

#include <zlib.h>

#include <stdexcept>

namespace exdm::exporter {
namespace {

// Raw deflate (no zlib or gzip wrapper: the header and trailer are written here, around two
// independently compressed parts). Level 6 is zlib's default trade-off.
std::string Deflate(std::string_view data, int flush) {
  z_stream stream{};
  if (deflateInit2(&stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  // deflateBound covers Z_FINISH; a sync flush adds at most an empty stored block (5 bytes).
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())) + 16);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, flush);
  const bool done = flush == Z_FINISH ? rc == Z_STREAM_END
                                      : rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0;
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (!done) throw std::runtime_error("deflate did not finish");
  return out;
}

void AppendLittleEndian32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((value >> (8 * i)) & 0xff);
}

uint32_t Crc32(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

}  // namespace

GzipPrefix GzipCompressPrefix(std::string_view data) {
  GzipPrefix prefix;
  // Header: magic, deflate, no flags, no mtime, no extra flags, OS 3 (Unix).
  prefix.bytes = std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  // A sync flush ends the blocks on a byte boundary without a final block, so another raw
  // deflate stream can continue right after it (as pigz joins its parts).
  prefix.bytes += Deflate(data, Z_SYNC_FLUSH);
  prefix.crc32 = Crc32(data);
  prefix.input_size = data.size();
  return prefix;
}

std::string GzipFinish(const GzipPrefix& prefix, std::string_view tail) {
  std::string out = Deflate(tail, Z_FINISH);
  const uint32_t crc = static_cast<uint32_t>(
      crc32_combine(prefix.crc32, Crc32(tail), static_cast<z_off_t>(tail.size())));
  AppendLittleEndian32(out, crc);
  AppendLittleEndian32(out, static_cast<uint32_t>(prefix.input_size + tail.size()));
  return out;
}

std::string GzipCompress(std::string_view data) {
  const GzipPrefix prefix = GzipCompressPrefix(data);
  return prefix.bytes + GzipFinish(prefix, {});
}

}  // namespace exdm::exporter
