#include "gzip.h"

#include <zlib.h>

#include <stdexcept>

namespace exdm::exporter {

std::string GzipCompress(std::string_view data) {
  z_stream stream{};
  // windowBits 15 + 16 selects the gzip wrapper; level 6 is zlib's default trade-off, and the cost
  // is paid once per snapshot, not per scrape.
  if (deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())) + 32);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  out.resize(stream.total_out);
  return out;
}

}  // namespace exdm::exporter
