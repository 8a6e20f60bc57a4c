// State files (exdm/state_file.h): what StateFile::Acquire makes of whatever lies at the path.
// Input: byte 0 picks how much of the envelope the harness supplies, so the fuzzer reaches the
// body instead of stopping at the magic or the checksum:
//   0: the file is the input as is;
//   1: "EXDM-STATE 1\n" + input + a correct checksum;
//   2: as 1, with the consumer and inputs key this reader expects written first.
// Properties: a corrupt file is discarded with a warning, never trusted and never fatal; a state
// that loads commits and loads back to the same snapshot without warnings.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "exdm/base/deadline.h"
#include "exdm/state/checksum.h"
#include "exdm/state/state_file.h"
#include "fuzz_support.h"

namespace {

constexpr std::string_view kConsumer = "queue";
constexpr std::string_view kInputsKey = "EXCH01=/logs/EXCH01";

const std::string& Dir() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/exdm-fuzz-state.XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    // Removed at exit; libFuzzer ends a run with exit() after -max_total_time.
    static const std::string to_remove = templ;
    std::atexit([] {
      for (const char* f : {"/state", "/state.lock"})
        ::unlink((to_remove + f).c_str());
      ::rmdir(to_remove.c_str());
    });
    return templ;
  }();
  return dir;
}

std::string Seal(std::string body) {
  std::string file = "EXDM-STATE 1\n" + body;
  const uint64_t sum = exdm::Fnv1a64(file);
  for (int i = 0; i < 8; ++i)
    file += static_cast<char>((sum >> (8 * i)) & 0xff);
  return file;
}

bool SameSnapshot(const exdm::StateSnapshot& a, const exdm::StateSnapshot& b) {
  if (a.payload != b.payload || a.files.size() != b.files.size()) return false;
  for (size_t i = 0; i < a.files.size(); ++i) {
    const auto& x = a.files[i];
    const auto& y = b.files[i];
    if (x.path != y.path || x.offset != y.offset || x.identity.device != y.identity.device ||
        x.identity.inode != y.identity.inode || x.identity.head_length != y.identity.head_length ||
        x.identity.head_hash != y.identity.head_hash) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t mode = in.Byte() % 3;
  std::string file(in.rest());
  if (mode >= 1) {
    std::string body;
    if (mode == 2) {
      exdm::PayloadWriter w;
      w.Bytes(kConsumer);
      w.Bytes(kInputsKey);
      body = w.out();
    }
    file = Seal(body + file);
  }
  const std::string path = Dir() + "/state";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
    if (!out) std::abort();
  }
  exdm::StateSnapshot loaded;
  {
    auto state = exdm::StateFile::Acquire(path, kConsumer, kInputsKey, exdm::Deadline::Never());
    FUZZ_CHECK(state.ok(), "a corrupt state file is never fatal");
    if (!state->warnings().empty()) {
      FUZZ_CHECK(state->previous().files.empty() && state->previous().payload.empty(),
                 "a discarded state leaves nothing behind");
      return 0;
    }
    loaded = state->previous();
    FUZZ_CHECK(state->Commit(loaded).ok(), "a loaded state commits");
  }
  auto again = exdm::StateFile::Acquire(path, kConsumer, kInputsKey, exdm::Deadline::Never());
  FUZZ_CHECK(again.ok() && again->warnings().empty(), "a committed state loads");
  FUZZ_CHECK(SameSnapshot(loaded, again->previous()), "state file round trip");
  return 0;
}
