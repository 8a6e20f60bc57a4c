// Configuration read from files and the network: the exporter's INI file (--config.file), the
// check's --extra-opts INI section, the exporter's --web.config.file YAML, and the HTTP
// Authorization header the exporter parses on every scrape.
// Input: byte 0 picks the parser; the rest is the file (or header).
// Properties: each either parses or returns an error value: no crash, no exception, no exit.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "basic_auth.h"
#include "check_options.h"
#include "exporter_config.h"
#include "fuzz_support.h"
#include "web_config.h"

namespace {

const std::string& Path() {
  static const std::string path = [] {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/exdm-fuzz-config.XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    static const std::string dir = templ;
    std::atexit([] {
      ::unlink((dir + "/config.ini").c_str());
      ::rmdir(dir.c_str());
    });
    return templ + "/config.ini";
  }();
  return path;
}

void Write(std::string_view text) {
  std::ofstream out(Path(), std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t mode = in.Byte() % 4;
  const std::string_view text = in.rest();
  switch (mode) {
    case 0: {
      Write(text);
      const std::string flag = "--config.file=" + Path();
      const char* argv[] = {"exchange_delivery_exporter", flag.c_str(), nullptr};
      auto parsed = exdm::exporter::ParseExporterCommandLine(2, argv);
      if (!parsed.ok()) FUZZ_CHECK(!parsed.status().message().empty(), "errors say why");
      break;
    }
    case 1: {
      Write(text);
      const std::string flag = "--extra-opts=check_exchange_delivery@" + Path();
      const char* argv[] = {"check_exchange_delivery", flag.c_str(), nullptr};
      auto parsed = exdm::check::ParseCommandLine(2, argv);
      if (!parsed.ok()) FUZZ_CHECK(!parsed.status().message().empty(), "errors say why");
      break;
    }
    case 2: {
      auto parsed = exdm::exporter::ParseWebConfig(std::string(text));
      if (!parsed.ok()) FUZZ_CHECK(!parsed.status().message().empty(), "errors say why");
      break;
    }
    default: {
      std::string user, password;
      if (exdm::exporter::BasicAuth::ParseHeader(text, user, password)) {
        FUZZ_CHECK(user.find(':') == std::string::npos, "the user name ends at the first ':'");
      }
      break;
    }
  }
  return 0;
}
