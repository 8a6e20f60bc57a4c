#include "exdm/state/state_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "exdm/state/checksum.h"
#include "safe_files.h"

namespace exdm {

namespace {

// "EXDM-STATE <version>\n", then a varint body, then an 8-byte little-endian FNV-1a checksum of
// everything before it. Bump the version when the body layout changes: older files are rebuilt.
constexpr std::string_view kMagic = "EXDM-STATE ";
constexpr uint64_t kFormatVersion = 1;

}  // namespace

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
