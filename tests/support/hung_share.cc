#include "hung_share.h"

#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>

#include "temp_dir.h"

namespace exdm::testing {

struct HungShare::State {
  struct Entry {
    std::string content;
    bool hanging = false;
  };

  bool Lookup(const std::string& name, Entry* out) const {
    std::lock_guard<std::mutex> lock(mu);
    const auto it = files.find(name);
    if (it == files.end()) return false;
    *out = it->second;
    return true;
  }

  // A read of a hanging file: waits until Release() (EIO), or until the reader is interrupted
  // (EINTR: its process is exiting).
  int BlockUntilReleased() {
    std::unique_lock<std::mutex> lock(mu);
    if (closing) return -EIO;
    const unsigned long long at = generation;
    ++blocked;
    cv.notify_all();
    int answer = -EIO;
    // libfuse says "interrupted" only when asked (fuse_interrupted), so ask now and then.
    while (!cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return generation != at; })) {
      if (fuse_interrupted()) {
        answer = -EINTR;
        break;
      }
    }
    --blocked;
    cv.notify_all();
    return answer;
  }

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::map<std::string, Entry> files;
  int blocked = 0;
  unsigned long long generation = 0;  // bumped by Release()
  bool closing = false;
  bool loop_done = false;  // the FUSE loop returned
};

struct HungShareOps {
  static HungShare::State& Share() {
    return *static_cast<HungShare::State*>(fuse_get_context()->private_data);
  }

  static void* Init(fuse_conn_info*, fuse_config* config) {
    // Nothing cached: every stat and read reaches the share, as with cache=none on CIFS.
    config->direct_io = 1;
    config->attr_timeout = 0;
    config->entry_timeout = 0;
    config->negative_timeout = 0;
    // A reader that is killed (its process exits, and the kernel sends INTERRUPT) gets EINTR, so
    // a program that abandoned a read at its deadline can still exit. Without it, it could not,
    // as on a hard-mounted share: the kernel waits for the answer to a request it already sent.
    // libfuse tells the worker with its interrupt signal (SIGUSR1): Mount() gives it a handler.
    config->intr = 1;
    return fuse_get_context()->private_data;
  }

  static int GetAttr(const char* path, struct stat* st, fuse_file_info*) {
    std::memset(st, 0, sizeof *st);
    st->st_uid = ::getuid();
    st->st_gid = ::getgid();
    st->st_mtime = st->st_ctime = st->st_atime = std::time(nullptr);
    if (std::strcmp(path, "/") == 0) {
      st->st_mode = S_IFDIR | 0755;
      st->st_nlink = 2;
      return 0;
    }
    HungShare::State::Entry file;
    if (!Share().Lookup(path + 1, &file)) return -ENOENT;
    st->st_mode = S_IFREG | 0644;
    st->st_nlink = 1;
    st->st_size = static_cast<off_t>(file.content.size());
    return 0;
  }

  static int ReadDir(const char* path, void* buffer, fuse_fill_dir_t fill, off_t, fuse_file_info*,
                     fuse_readdir_flags) {
    if (std::strcmp(path, "/") != 0) return -ENOENT;
    fill(buffer, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    fill(buffer, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    HungShare::State& share = Share();
    std::lock_guard<std::mutex> lock(share.mu);
    for (const auto& [name, file] : share.files)
      fill(buffer, name.c_str(), nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    return 0;
  }

  static int Open(const char* path, fuse_file_info* fi) {
    HungShare::State::Entry file;
    if (!Share().Lookup(path + 1, &file)) return -ENOENT;
    if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
    fi->direct_io = 1;
    return 0;
  }

  static int Read(const char* path, char* buffer, size_t size, off_t offset, fuse_file_info*) {
    HungShare::State::Entry file;
    if (!Share().Lookup(path + 1, &file)) return -ENOENT;
    if (file.hanging) return Share().BlockUntilReleased();
    if (offset < 0 || static_cast<size_t>(offset) >= file.content.size()) return 0;
    const size_t n = std::min(size, file.content.size() - static_cast<size_t>(offset));
    std::memcpy(buffer, file.content.data() + offset, n);
    return static_cast<int>(n);
  }
};

std::unique_ptr<HungShare> HungShare::Mount(std::string* why) {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    *why = std::string("no usable /dev/fuse (") + std::strerror(errno) + ")";
    return nullptr;
  }
  // libfuse pthread_kill()s a worker with SIGUSR1 when its request is interrupted; without a
  // handler that would end the test process. (A handler, not SIG_IGN: programs the test starts
  // must not inherit an ignored signal.)
  struct sigaction on_interrupt {};
  on_interrupt.sa_handler = [](int) {};
  sigemptyset(&on_interrupt.sa_mask);
  ::sigaction(SIGUSR1, &on_interrupt, nullptr);
  std::unique_ptr<HungShare> share(new HungShare());
  share->state_ = std::make_shared<State>();
  share->mount_point_ = MakeTempDirectory("exdm-hung-share");
  if (share->mount_point_.empty()) {
    *why = "cannot make a mount point";
    return nullptr;
  }
  static fuse_operations ops = [] {
    fuse_operations o{};
    o.init = HungShareOps::Init;
    o.getattr = HungShareOps::GetAttr;
    o.readdir = HungShareOps::ReadDir;
    o.open = HungShareOps::Open;
    o.read = HungShareOps::Read;
    return o;
  }();
  char name[] = "exdm-hung-share";
  char* argv[] = {name, nullptr};
  fuse_args args = FUSE_ARGS_INIT(1, argv);
  share->fuse_ = fuse_new(&args, &ops, sizeof ops, share->state_.get());
  if (share->fuse_ == nullptr) {
    *why = "fuse_new failed";
    ::rmdir(share->mount_point_.c_str());
    return nullptr;
  }
  if (fuse_mount(share->fuse_, share->mount_point_.c_str()) != 0) {
    *why = "cannot mount a FUSE file system at " + share->mount_point_ +
           " (needs root or fusermount3, and /dev/fuse)";
    fuse_destroy(share->fuse_);
    share->fuse_ = nullptr;
    ::rmdir(share->mount_point_.c_str());
    return nullptr;
  }
  struct fuse* f = share->fuse_;
  // Multi-threaded: a blocked read holds one worker, the others keep answering.
  share->loop_ = std::thread([f, state = share->state_] {
    fuse_loop_mt(f, /*clone_fd=*/0);
    std::lock_guard<std::mutex> lock(state->mu);
    state->loop_done = true;
    state->cv.notify_all();
  });
  return share;
}

HungShare::~HungShare() {
  if (fuse_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->closing = true;
    ++state_->generation;
  }
  state_->cv.notify_all();
  // Aborting the connection (where fusectl is mounted) ends every request still in flight, and
  // the loop, at once; otherwise the lazy unmount ends the loop once no reader holds a file open.
  struct stat st {};
  if (::stat(mount_point_.c_str(), &st) == 0) {
    std::ofstream abort("/sys/fs/fuse/connections/" + std::to_string(minor(st.st_dev)) + "/abort");
    abort << "1\n";
  }
  fuse_exit(fuse_);
  fuse_unmount(fuse_);
  bool ended = false;
  {
    std::unique_lock<std::mutex> lock(state_->mu);
    ended =
        state_->cv.wait_for(lock, std::chrono::seconds(5), [this] { return state_->loop_done; });
  }
  if (!ended) {
    // A reader somewhere still holds a file of the detached mount: leave the loop (which keeps
    // the state alive) to the process end rather than hang the test.
    loop_.detach();
    std::fprintf(stderr, "hung share %s: a reader still holds a file; left running\n",
                 mount_point_.c_str());
    return;
  }
  loop_.join();
  fuse_destroy(fuse_);
  ::rmdir(mount_point_.c_str());
}

void HungShare::Put(const std::string& name, const std::string& content, bool hanging) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->files[name] = State::Entry{content, hanging};
}

void HungShare::Release() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    ++state_->generation;
  }
  state_->cv.notify_all();
}

int HungShare::BlockedReads() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->blocked;
}

bool HungShare::WaitForBlockedReads(int n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] { return state_->blocked >= n; });
}

}  // namespace exdm::testing
