#include "hung_share.h"

#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include "temp_dir.h"

namespace exdm::testing {

struct HungShareOps {
  static HungShare& Share() { return *static_cast<HungShare*>(fuse_get_context()->private_data); }

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
    HungShare::Entry file;
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
    HungShare& share = Share();
    std::lock_guard<std::mutex> lock(share.mu_);
    for (const auto& [name, file] : share.files_)
      fill(buffer, name.c_str(), nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    return 0;
  }

  static int Open(const char* path, fuse_file_info* fi) {
    HungShare::Entry file;
    if (!Share().Lookup(path + 1, &file)) return -ENOENT;
    if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
    fi->direct_io = 1;
    return 0;
  }

  static int Read(const char* path, char* buffer, size_t size, off_t offset, fuse_file_info*) {
    HungShare::Entry file;
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
  share->fuse_ = fuse_new(&args, &ops, sizeof ops, share.get());
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
  share->loop_ = std::thread([f] { fuse_loop_mt(f, /*clone_fd=*/0); });
  return share;
}

HungShare::~HungShare() {
  if (fuse_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    ++generation_;
  }
  cv_.notify_all();
  // Aborting the connection ends every request still in flight (and the loop) at once, even if
  // a reader elsewhere still holds a file open; the unmount then only detaches the mount point.
  struct stat st {};
  if (::stat(mount_point_.c_str(), &st) == 0) {
    std::ofstream abort("/sys/fs/fuse/connections/" + std::to_string(minor(st.st_dev)) + "/abort");
    abort << "1\n";
  }
  fuse_exit(fuse_);
  fuse_unmount(fuse_);
  if (loop_.joinable()) loop_.join();
  fuse_destroy(fuse_);
  ::rmdir(mount_point_.c_str());
}

void HungShare::Put(const std::string& name, const std::string& content, bool hanging) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[name] = Entry{content, hanging};
}

void HungShare::Release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

int HungShare::BlockedReads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocked_;
}

bool HungShare::WaitForBlockedReads(int n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return blocked_ >= n; });
}

bool HungShare::Lookup(const std::string& name, Entry* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = files_.find(name);
  if (it == files_.end()) return false;
  *out = it->second;
  return true;
}

int HungShare::BlockUntilReleased() {
  std::unique_lock<std::mutex> lock(mu_);
  if (closing_) return -EIO;
  const unsigned long long at = generation_;
  ++blocked_;
  cv_.notify_all();
  int answer = -EIO;
  // libfuse says "interrupted" only when asked (fuse_interrupted), so ask now and then.
  while (!cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return generation_ != at; })) {
    if (fuse_interrupted()) {
      answer = -EINTR;
      break;
    }
  }
  --blocked_;
  cv_.notify_all();
  return answer;
}

}  // namespace exdm::testing
