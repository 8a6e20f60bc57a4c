#include "exdm/state/state_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

namespace exdm {

namespace {

// "EXDM-STATE <version>\n", then a varint body, then an 8-byte little-endian FNV-1a checksum of
// everything before it. Bump the version when the body layout changes: older files are rebuilt.
constexpr std::string_view kMagic = "EXDM-STATE ";
constexpr uint64_t kFormatVersion = 1;

// The compiled-in prefix of DefaultStatePath: world-writable and sticky everywhere, so every user
// can make their own directory in it, and it survives a reboot (unlike /tmp).
constexpr const char kDefaultStatePathPrefix[] = "/var/tmp";

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// "uid 102 (nagios)"; the bare number for a uid without a passwd entry.
std::string DescribeUid(uid_t uid) {
  std::string out = "uid " + std::to_string(uid);
  struct passwd entry;
  struct passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &entry, buf, sizeof buf, &found) == 0 && found != nullptr) {
    out += std::string(" (") + found->pw_name + ")";
  }
  return out;
}

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Missing directories are created 0700 (mkdir never follows a link in the last component); what
// they may be is CheckStateDirectory's business. A refused mkdir names whose directory it was
// made in: typically another user's run created it first.
Status MakeParentDirs(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const std::string dir = path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) continue;
    const int error = errno;
    std::string message = Errno(dir);
    struct stat st;
    const std::string parent = DirectoryOf(dir);
    if (error == EACCES && ::stat(parent.c_str(), &st) == 0) {
      message += " (in " + parent + ", owned by " + DescribeUid(st.st_uid) + ", mode " +
                 OctalMode(st.st_mode) + ")";
    }
    return Status(ErrorCode::kIoError, message);
  }
  return Status::Ok();
}

// Whoever can write to the state directory, or to one above it, can plant a link where the lock,
// state or temp file is opened, or a state of their own. So, as ssh's StrictModes does for ~/.ssh:
// the directory belongs to the effective user and nobody else may write to it; every directory
// above belongs to root or that user and nobody else may write to it unless it is sticky (as
// /var/tmp is). A link on the way is resolved first (systemd's DynamicUser= state directory is
// one).
Status CheckStateDirectory(const std::string& dir) {
  const std::string what = "state directory " + dir;
  char* resolved = ::realpath(dir.c_str(), nullptr);
  if (resolved == nullptr) return Status(ErrorCode::kIoError, Errno(what));
  const std::string real = resolved;
  std::free(resolved);
  const uid_t me = ::geteuid();
  struct stat st;
  if (::stat(real.c_str(), &st) != 0) return Status(ErrorCode::kIoError, Errno(what));
  if (!S_ISDIR(st.st_mode)) return Status(ErrorCode::kIoError, what + ": Not a directory");
  if (st.st_uid != me) {
    return Status(
        ErrorCode::kIoError,
        what + " is owned by " + DescribeUid(st.st_uid) + ", not by " + DescribeUid(me) +
            " running this: remove it if stale, or give this user a directory of its own");
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return Status(ErrorCode::kIoError, what + " is writable by group or others (mode " +
                                           OctalMode(st.st_mode) + "): chmod go-w " + dir);
  }
  for (std::string up = DirectoryOf(real);; up = DirectoryOf(up)) {
    if (::stat(up.c_str(), &st) != 0) return Status(ErrorCode::kIoError, Errno(what + ": " + up));
    if (st.st_uid != 0 && st.st_uid != me) {
      return Status(ErrorCode::kIoError, what + " lies under " + up + ", owned by " +
                                             DescribeUid(st.st_uid) +
                                             ", who could replace it: use a directory under ones "
                                             "only root or " +
                                             DescribeUid(me) + " can change");
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
      return Status(ErrorCode::kIoError,
                    what + " lies under " + up +
                        ", writable by group or others without the sticky bit (mode " +
                        OctalMode(st.st_mode) + "), so anyone could replace it: chmod +t or go-w " +
                        up);
    }
    if (up == "/" || up == ".") break;
  }
  return Status::Ok();
}

std::string NotARegularFile(const std::string& path, bool link) {
  return path + (link ? " is a symbolic link" : " is not a regular file") +
         ": a state file never is; refusing to follow it (remove it)";
}

// Lock, state and temp files: never through a link (a planted one would have us overwrite its
// target), only regular files (a FIFO would block the run).
Result<int> OpenStateFile(const std::string& path, int flags, mode_t mode = 0600) {
  const int fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == ELOOP) return Status(ErrorCode::kIoError, NotARegularFile(path, true));
    if (errno == EEXIST) {  // O_EXCL: the temp file, whose leftovers were removed under the lock
      return Status(ErrorCode::kIoError,
                    path + " appeared while the state was locked: refusing to write through it");
    }
    return Status(ErrorCode::kIoError, Errno(path));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::kIoError, NotARegularFile(path, false));
  }
  return fd;
}

Result<std::string> ReadWhole(const std::string& path) {
  auto opened = OpenStateFile(path, O_RDONLY);
  if (!opened) return opened.status();
  const int fd = *opened;
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const Status s(ErrorCode::kIoError, Errno(path));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(ErrorCode::kIoError, Errno(path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// The payload's LEB128 varint, for both readers: `next_byte` returns the next byte, or -1 at the
// end of the input. nullopt for a varint cut short or longer than 64 bits.
template <typename NextByte>
std::optional<uint64_t> DecodeVarint(NextByte&& next_byte) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    const int b = next_byte();
    if (b < 0) break;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return std::nullopt;
}

// Signed values are zigzag-encoded (PayloadWriter::I64) so small negatives stay short.
int64_t ZigZagDecode(uint64_t z) {
  return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
}

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

uint64_t Fnv1a64(std::string_view bytes, uint64_t h) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

const FileCursor* StateSnapshot::Find(std::string_view path) const {
  for (const FileCursor& c : files) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

void StateSnapshot::Upsert(FileCursor cursor) {
  for (FileCursor& c : files) {
    if (c.path == cursor.path) {
      c = std::move(cursor);
      return;
    }
  }
  files.push_back(std::move(cursor));
}

Result<uint64_t> HashFileHead(int fd, uint64_t length) {
  std::string head(static_cast<size_t>(length), '\0');
  size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = ::pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(ErrorCode::kIoError, Errno("read"));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  head.resize(got);
  return Fnv1a64(head);
}

Result<FileIdentity> IdentifyFile(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status(ErrorCode::kIoError, Errno("fstat"));
  FileIdentity id;
  id.device = static_cast<uint64_t>(st.st_dev);
  id.inode = static_cast<uint64_t>(st.st_ino);
  if (!S_ISREG(st.st_mode)) return id;  // FIFOs and the like: nothing to fingerprint
  id.head_length = std::min<uint64_t>(static_cast<uint64_t>(st.st_size), FileIdentity::kHeadBytes);
  auto h = HashFileHead(fd, id.head_length);
  if (!h) return h.status();
  id.head_hash = *h;
  return id;
}

std::string_view ResumeKindName(ResumeKind kind) {
  switch (kind) {
    case ResumeKind::kNew:
      return "new";
    case ResumeKind::kContinue:
      return "continue";
    case ResumeKind::kTruncated:
      return "truncated";
    case ResumeKind::kReplaced:
      return "replaced";
  }
  return "new";
}

Result<ResumePlan> PlanResume(int fd, const FileCursor* previous, const FileIdentity& now,
                              uint64_t size_now) {
  ResumePlan plan;
  if (previous == nullptr) return plan;
  const FileIdentity& then = previous->identity;
  uint64_t head_now = now.head_hash;
  if (then.head_length != now.head_length) {
    if (size_now < then.head_length) {
      head_now = ~then.head_hash;  // shorter than the part we fingerprinted: cannot be the same
    } else {
      auto h = HashFileHead(fd, then.head_length);
      if (!h) return h.status();
      head_now = *h;
    }
  }
  const bool same_head = head_now == then.head_hash;
  const bool same_inode = then.device == now.device && then.inode == now.inode;
  if (same_inode) {
    plan.kind = (same_head && size_now >= previous->offset) ? ResumeKind::kContinue
                                                            : ResumeKind::kTruncated;
  } else {
    // A copy with the same head that is not shorter (rsync/robocopy replacing the file with a new
    // inode) carries the same lines: continue. Anything else is another file.
    plan.kind = (same_head && then.head_length > 0 && size_now >= previous->offset)
                    ? ResumeKind::kContinue
                    : ResumeKind::kReplaced;
  }
  plan.offset = plan.kind == ResumeKind::kContinue ? previous->offset : 0;
  return plan;
}

std::string InputsKey(const std::vector<std::string>& inputs) {
  std::vector<std::string> sorted = inputs;
  std::sort(sorted.begin(), sorted.end());
  std::string key;
  for (const std::string& s : sorted) {
    key += s;
    key += '\n';
  }
  return key;
}

namespace {

std::string StatePathPrefix() {
  for (const char* name : {"MP_STATE_PATH", "NAGIOS_PLUGIN_STATE_DIRECTORY"}) {
    // secure_getenv: a setuid or setgid run ignores both, as the C plugins do (mp_suid()).
    const char* value = ::secure_getenv(name);
    if (value == nullptr || *value == '\0') continue;
    std::string prefix = value;
    while (prefix.size() > 1 && prefix.back() == '/')
      prefix.pop_back();
    return prefix;
  }
  return kDefaultStatePathPrefix;
}

}  // namespace

std::string DefaultStatePath(std::string_view mode, const std::vector<std::string>& inputs) {
  return StatePathPrefix() + "/" + std::to_string(::geteuid()) + "/check_exchange_delivery/" +
         std::string(mode) + "-" + Hex16(Fnv1a64(InputsKey(inputs))) + ".state";
}

// ---- payload encoding ----

void PayloadWriter::U64(uint64_t v) {
  if (counting_) {
    do {
      ++counted_;
      v >>= 7;
    } while (v != 0);
    return;
  }
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void PayloadWriter::I64(int64_t v) {
  U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void PayloadWriter::Bytes(std::string_view s) {
  U64(s.size());
  if (counting_) {
    counted_ += s.size();
    return;
  }
  out_.append(s.data(), s.size());
}

size_t PayloadWriter::BeginBytes() {
  if (counting_) {
    counted_ += 10;
    return 0;
  }
  out_.append(10, '\x80');
  return out_.size();
}

void PayloadWriter::EndBytes(size_t mark) {
  if (counting_) return;
  uint64_t v = out_.size() - mark;
  for (size_t i = 0; i < 10; ++i) {
    const auto bits = static_cast<unsigned char>(v & 0x7f);
    out_[mark - 10 + i] = static_cast<char>(i < 9 ? (bits | 0x80) : bits);
    v >>= 7;
  }
}

void PayloadWriter::Flush() {
  if (status_.ok() && !out_.empty()) status_ = sink_(out_);
  flushed_ += out_.size();
  out_.clear();
}

// ---- streamed payload reading ----

PayloadStreamReader::PayloadStreamReader(int fd, uint64_t offset, uint64_t size)
    : fd_(fd), next_(offset), size_(size) {}

PayloadStreamReader::PayloadStreamReader(PayloadStreamReader&& o) noexcept
    : fd_(o.fd_),
      next_(o.next_),
      size_(o.size_),
      consumed_(o.consumed_),
      buf_(std::move(o.buf_)),
      pos_(o.pos_),
      ok_(o.ok_) {
  o.fd_ = -1;
}

PayloadStreamReader::~PayloadStreamReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool PayloadStreamReader::Fill(size_t need) {
  if (!ok_) return false;
  if (buf_.size() - pos_ >= need) return true;
  const uint64_t left_in_payload = size_ - consumed_;
  if (need > left_in_payload) {
    ok_ = false;
    return false;
  }
  // Keep the unread tail, then read whole chunks (at least `need`) up to the payload's end.
  buf_.erase(0, pos_);
  pos_ = 0;
  constexpr size_t kChunk = 1 << 20;
  const uint64_t unread_in_file = left_in_payload - buf_.size();
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>(unread_in_file, std::max(kChunk, need - buf_.size())));
  const size_t have = buf_.size();
  buf_.resize(have + want);
  size_t got = 0;
  while (got < want) {
    const ssize_t n = ::pread(fd_, buf_.data() + have + got, want - got, static_cast<off_t>(next_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok_ = false;
      buf_.resize(have + got);
      return false;
    }
    got += static_cast<size_t>(n);
    next_ += static_cast<uint64_t>(n);
  }
  return buf_.size() - pos_ >= need;
}

uint64_t PayloadStreamReader::U64() {
  const std::optional<uint64_t> v = DecodeVarint([this]() -> int {
    if (!Fill(1)) return -1;
    ++consumed_;
    return static_cast<unsigned char>(buf_[pos_++]);
  });
  if (!v) ok_ = false;
  return v.value_or(0);
}

int64_t PayloadStreamReader::I64() {
  return ZigZagDecode(U64());
}

std::string_view PayloadStreamReader::Bytes() {
  const uint64_t n = U64();
  if (!ok_ || n > size_ - consumed_ || !Fill(static_cast<size_t>(n))) {
    ok_ = false;
    return {};
  }
  const std::string_view out(buf_.data() + pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  consumed_ += n;
  return out;
}

void PayloadStreamReader::Skip(uint64_t n) {
  while (n > 0 && ok_) {
    const size_t step = static_cast<size_t>(std::min<uint64_t>(n, 1 << 20));
    if (!Fill(step)) return;
    pos_ += step;
    consumed_ += step;
    n -= step;
  }
}

uint64_t PayloadReader::U64() {
  const std::optional<uint64_t> v = DecodeVarint([this]() -> int {
    if (in_.empty()) return -1;
    const auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    return b;
  });
  if (!v) ok_ = false;
  return v.value_or(0);
}

int64_t PayloadReader::I64() {
  return ZigZagDecode(U64());
}

std::string_view PayloadReader::Bytes() {
  const uint64_t n = U64();
  if (!ok_ || n > in_.size()) {
    ok_ = false;
    return {};
  }
  const std::string_view out = in_.substr(0, static_cast<size_t>(n));
  in_.remove_prefix(static_cast<size_t>(n));
  return out;
}

// ---- the state file ----

namespace {

// The file cursors as StateFile writes them; both readers (whole file, streamed) share this.
// A short or broken list leaves r not ok.
void ReadCursors(PayloadReader& r, std::vector<FileCursor>& out) {
  const uint64_t n = r.U64();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    FileCursor c;
    c.path = std::string(r.Bytes());
    c.identity.device = r.U64();
    c.identity.inode = r.U64();
    c.identity.head_length = r.U64();
    c.identity.head_hash = r.U64();
    c.offset = r.U64();
    out.push_back(std::move(c));
  }
}

// Temp files "<state>.tmp.<pid>" of runs killed between writing and renaming: nobody else can be
// writing one while we hold the lock (commits happen under it), so they are litter. Removed so a
// crash-looping check cannot fill /var/tmp with copies of a large state.
std::vector<std::string> RemoveLeftoverTempFiles(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  std::vector<std::string> removed;
  DIR* d = ::opendir(dir.empty() ? "/" : dir.c_str());
  if (d == nullptr) return removed;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.find_first_not_of("0123456789", prefix.size()) != std::string::npos) continue;
    const std::string full = dir + "/" + name;
    if (::unlink(full.c_str()) == 0) removed.push_back(full);
  }
  ::closedir(d);
  return removed;
}

}  // namespace

Result<StateFile> StateFile::Acquire(const std::string& path, std::string_view consumer,
                                     std::string_view inputs_key, const Deadline& deadline,
                                     PayloadLoad load) {
  if (path.empty()) return Status(ErrorCode::kInvalidArgument, "empty state file path");
  if (Status s = MakeParentDirs(path); !s.ok()) return s.WithContext("state file");
  if (Status s = CheckStateDirectory(DirectoryOf(path)); !s.ok()) return s;
  StateFile sf;
  sf.path_ = path;
  sf.consumer_ = std::string(consumer);
  sf.inputs_key_ = std::string(inputs_key);
  const std::string lock_path = path + ".lock";
  auto lock = OpenStateFile(lock_path, O_RDWR | O_CREAT);
  if (!lock) return lock.status();
  sf.lock_fd_ = *lock;
  while (::flock(sf.lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return Status(ErrorCode::kIoError, Errno("lock " + lock_path));
    }
    if (deadline.Expired()) {
      char buf[32] = {};
      const ssize_t n = ::pread(sf.lock_fd_, buf, sizeof buf - 1, 0);
      std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
        holder.pop_back();
      return Status(ErrorCode::kLocked,
                    "state file " + path + " is locked by another run (pid " + holder + ")");
    }
    const auto wait =
        std::min<std::chrono::milliseconds>(deadline.Remaining(), std::chrono::milliseconds(50));
    std::this_thread::sleep_for(wait);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(sf.lock_fd_, 0) != 0 || ::pwrite(sf.lock_fd_, pid.data(), pid.size(), 0) < 0) {
    return Status(ErrorCode::kIoError, Errno(lock_path));
  }
  for (const std::string& tmp : RemoveLeftoverTempFiles(path)) {
    sf.warnings_.push_back("removed " + tmp + ", left by a run that was interrupted while saving");
  }
  // A link where the state belongs was planted: refused, not rebuilt over (the commit's rename
  // would silently replace the evidence). Anything else that is not a file is unreadable state
  // (a warning; the commit replaces it, or fails on a directory).
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    return Status(ErrorCode::kIoError, NotARegularFile(path, true));
  }
  sf.Load(load);
  return sf;
}

StateFile::StateFile(StateFile&& o) noexcept
    : path_(std::move(o.path_)),
      consumer_(std::move(o.consumer_)),
      inputs_key_(std::move(o.inputs_key_)),
      lock_fd_(o.lock_fd_),
      previous_(std::move(o.previous_)),
      payload_offset_(o.payload_offset_),
      payload_size_(o.payload_size_),
      warnings_(std::move(o.warnings_)) {
  o.lock_fd_ = -1;
}

StateFile& StateFile::operator=(StateFile&& o) noexcept {
  if (this != &o) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    path_ = std::move(o.path_);
    consumer_ = std::move(o.consumer_);
    inputs_key_ = std::move(o.inputs_key_);
    lock_fd_ = o.lock_fd_;
    previous_ = std::move(o.previous_);
    payload_offset_ = o.payload_offset_;
    payload_size_ = o.payload_size_;
    warnings_ = std::move(o.warnings_);
    o.lock_fd_ = -1;
  }
  return *this;
}

StateFile::~StateFile() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the last descriptor releases the flock
}

void StateFile::Load(PayloadLoad load) {
  struct stat st;
  if (::lstat(path_.c_str(), &st) != 0) return;  // first run
  if (load == PayloadLoad::kStreamed) return LoadStreamed();
  auto data = ReadWhole(path_);
  auto discard = [this](const std::string& why) {
    warnings_.push_back("state file " + path_ + " " + why + "; rebuilt from the logs");
    previous_ = StateSnapshot();
  };
  if (!data) return discard("unreadable (" + data.status().message() + ")");
  std::string_view in = *data;
  if (in.substr(0, kMagic.size()) != kMagic) return discard("is not an exdm state file");
  const size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return discard("is corrupt (no header line)");
  const std::string_view version = in.substr(kMagic.size(), nl - kMagic.size());
  if (version != std::to_string(kFormatVersion)) {
    return discard("has format version '" + std::string(version.substr(0, 16)) + "', expected " +
                   std::to_string(kFormatVersion));
  }
  if (in.size() < nl + 1 + 8) return discard("is corrupt (truncated)");
  const std::string_view signed_part = in.substr(0, in.size() - 8);
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) {
    stored = (stored << 8) | static_cast<unsigned char>(in[in.size() - 8 + static_cast<size_t>(i)]);
  }
  if (Fnv1a64(signed_part) != stored) return discard("is corrupt (checksum mismatch)");
  PayloadReader r(signed_part.substr(nl + 1));
  const std::string_view consumer = r.Bytes();
  const std::string_view inputs = r.Bytes();
  if (!r.ok()) return discard("is corrupt");
  if (consumer != consumer_) {
    return discard("belongs to another consumer ('" + std::string(consumer.substr(0, 32)) + "')");
  }
  if (inputs != inputs_key_) return discard("was written for other inputs");
  StateSnapshot snap;
  ReadCursors(r, snap.files);
  const std::string_view payload = r.Bytes();
  if (!r.ok() || !r.at_end()) return discard("is corrupt (bad body)");
  // Keep the payload in the buffer it was read into (it can be tens of MB): no second copy.
  const size_t at = static_cast<size_t>(payload.data() - data->data());
  const size_t length = payload.size();
  snap.payload = std::move(*data);
  snap.payload.erase(0, at);
  snap.payload.resize(length);
  previous_ = std::move(snap);
}

namespace {

// FNV-1a over [0, length) of the file, read in chunks (never the whole file in memory).
Result<uint64_t> HashFileRange(int fd, uint64_t length) {
  std::string buf(1 << 20, '\0');
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint64_t at = 0; at < length;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - at));
    const ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status(ErrorCode::kIoError, n < 0 ? Errno("read") : "short read");
    h = Fnv1a64(std::string_view(buf.data(), static_cast<size_t>(n)), h);
    at += static_cast<uint64_t>(n);
  }
  return h;
}

Result<std::string> ReadRange(int fd, uint64_t offset, size_t length) {
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    const ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status(ErrorCode::kIoError, n < 0 ? Errno("read") : "short read");
    got += static_cast<size_t>(n);
  }
  return out;
}

}  // namespace

// The same checks as the in-memory load, with the payload left in the file: the checksum is
// computed in chunks, and only the head (consumer, inputs, cursors) is parsed here.
void StateFile::LoadStreamed() {
  auto discard = [this](const std::string& why) {
    warnings_.push_back("state file " + path_ + " " + why + "; rebuilt from the logs");
    previous_ = StateSnapshot();
    payload_offset_ = payload_size_ = 0;
  };
  auto opened = OpenStateFile(path_, O_RDONLY);
  if (!opened) return discard("unreadable (" + opened.status().message() + ")");
  const int fd = *opened;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return discard("unreadable (" + Errno("fstat") + ")");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  // The head is small (cursors of a few files); read more only if it does not fit.
  for (uint64_t want = std::min<uint64_t>(size, 64 << 10);; want = std::min(size, want * 4)) {
    auto head = ReadRange(fd, 0, static_cast<size_t>(want));
    if (!head) return discard("unreadable (" + head.status().message() + ")");
    std::string_view in = *head;
    if (in.substr(0, kMagic.size()) != kMagic) return discard("is not an exdm state file");
    const size_t nl = in.find('\n');
    if (nl == std::string_view::npos) {
      if (want < size) continue;
      return discard("is corrupt (no header line)");
    }
    const std::string_view version = in.substr(kMagic.size(), nl - kMagic.size());
    if (version != std::to_string(kFormatVersion)) {
      return discard("has format version '" + std::string(version.substr(0, 16)) + "', expected " +
                     std::to_string(kFormatVersion));
    }
    if (size < nl + 1 + 8) return discard("is corrupt (truncated)");
    PayloadReader r(in.substr(nl + 1));
    const std::string consumer(r.Bytes());
    const std::string inputs(r.Bytes());
    StateSnapshot snap;
    ReadCursors(r, snap.files);
    const uint64_t payload_size = r.U64();
    if (!r.ok()) {
      if (want < size) continue;  // the head goes on beyond what was read
      return discard("is corrupt (bad body)");
    }
    const uint64_t payload_offset = size - 8 - std::min(size - 8, payload_size);
    if (payload_size > size - 8 ||
        payload_offset != nl + 1 + (in.size() - nl - 1) - r.remaining()) {
      return discard("is corrupt (bad body)");
    }
    auto sum = HashFileRange(fd, size - 8);
    auto trailer = ReadRange(fd, size - 8, 8);
    if (!sum || !trailer) return discard("unreadable");
    uint64_t stored = 0;
    for (int i = 7; i >= 0; --i)
      stored = (stored << 8) | static_cast<unsigned char>((*trailer)[static_cast<size_t>(i)]);
    if (*sum != stored) return discard("is corrupt (checksum mismatch)");
    if (consumer != consumer_) {
      return discard("belongs to another consumer ('" + consumer.substr(0, 32) + "')");
    }
    if (inputs != inputs_key_) return discard("was written for other inputs");
    previous_ = std::move(snap);
    payload_offset_ = payload_offset;
    payload_size_ = payload_size;
    return;
  }
}

Result<PayloadStreamReader> StateFile::OpenPreviousPayload() const {
  if (payload_size_ == 0) return PayloadStreamReader(-1, 0, 0);
  auto fd = OpenStateFile(path_, O_RDONLY);
  if (!fd) return fd.status();
  return PayloadStreamReader(*fd, payload_offset_, payload_size_);
}

Status StateFile::Commit(const StateSnapshot& snapshot) {
  // The payload can be tens of MB (a million in-flight pairs): written from where it is, never
  // copied into the header buffer; the checksum runs over both parts in order.
  return CommitWith(snapshot, snapshot.payload.size(), [&](int fd, uint64_t* sum) {
    *sum = Fnv1a64(snapshot.payload, *sum);
    return WriteAll(fd, snapshot.payload, path_);
  });
}

Status StateFile::Commit(const StateSnapshot& snapshot, uint64_t payload_size,
                         const std::function<void(PayloadWriter&)>& write) {
  return CommitWith(snapshot, payload_size, [&](int fd, uint64_t* sum) {
    PayloadWriter w([&](std::string_view chunk) {
      *sum = Fnv1a64(chunk, *sum);
      return WriteAll(fd, chunk, path_);
    });
    write(w);
    if (Status s = w.Finish(); !s.ok()) return s;
    if (w.size() != payload_size) {
      return Status(ErrorCode::kInternal, "payload of " + std::to_string(w.size()) +
                                              " bytes, announced " + std::to_string(payload_size));
    }
    return Status::Ok();
  });
}

Status StateFile::CommitWith(
    const StateSnapshot& snapshot, uint64_t payload_size,
    const std::function<Status(int fd, uint64_t* checksum)>& write_payload) {
  PayloadWriter w;
  w.out() = std::string(kMagic) + std::to_string(kFormatVersion) + "\n";
  w.Bytes(consumer_);
  w.Bytes(inputs_key_);
  w.U64(snapshot.files.size());
  for (const FileCursor& c : snapshot.files) {
    w.Bytes(c.path);
    w.U64(c.identity.device);
    w.U64(c.identity.inode);
    w.U64(c.identity.head_length);
    w.U64(c.identity.head_hash);
    w.U64(c.offset);
  }
  w.U64(payload_size);
  const std::string& head = w.out();
  uint64_t sum = Fnv1a64(head);

  const std::string tmp = path_ + ".tmp." + std::to_string(::getpid());
  // Exclusive: leftovers were removed under the lock, so anything by this name was planted.
  auto opened = OpenStateFile(tmp, O_WRONLY | O_CREAT | O_EXCL);
  if (!opened) return opened.status();
  const int fd = *opened;
  Status s = WriteAll(fd, head, tmp);
  if (s.ok()) s = write_payload(fd, &sum);
  char trailer[8];
  for (int i = 0; i < 8; ++i)
    trailer[i] = static_cast<char>((sum >> (8 * i)) & 0xff);
  if (s.ok()) s = WriteAll(fd, std::string_view(trailer, 8), tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Status(ErrorCode::kIoError, Errno("fsync " + tmp));
  if (::close(fd) != 0 && s.ok()) s = Status(ErrorCode::kIoError, Errno("close " + tmp));
  if (s.ok() && ::rename(tmp.c_str(), path_.c_str()) != 0) {
    s = Status(ErrorCode::kIoError, Errno("rename " + tmp));
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  // Make the rename itself durable.
  const size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace exdm
