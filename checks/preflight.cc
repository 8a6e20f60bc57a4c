#include "preflight.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "exdm/base/bounded_call.h"
#include "exdm/base/small_file.h"

namespace exdm::check {
namespace {

// Names the server too (`NAME=` of --tracking-dir/--event-file): an unavailable share must say
// whose it is, whatever the mount point is called.
Status Unreadable(const char* option, const std::string& path, int error,
                  const std::string& server = {}) {
  return Status(ErrorCode::kIoError, std::string("cannot read ") + option + " '" + path + "'" +
                                         (server.empty() ? "" : " of " + server) + ": " +
                                         std::strerror(error));
}

std::string Describe(const char* option, const std::string& path, const std::string& server) {
  return std::string("opening ") + option + " '" + path + "'" +
         (server.empty() ? "" : " of " + server);
}

Status CheckFile(WorkProgress& progress, const char* option, const std::string& path,
                 const std::string& server = {}) {
  progress.Set(Describe(option, path, server));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unreadable(option, path, errno, server);
  ::close(fd);
  return Status::Ok();
}

// Files read whole (small_file.h): must be regular files, said before anything runs.
Status CheckSmallFile(WorkProgress& progress, const char* option, const std::string& path,
                      const std::string& server = {}) {
  progress.Set(Describe(option, path, server));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Unreadable(option, path, errno, server);
  Result<int> fd = OpenRegularFile(path, option);
  if (!fd.ok()) {
    return server.empty() ? fd.status() : fd.status().WithContext(server);
  }
  ::close(*fd);
  return Status::Ok();
}

Status CheckDirectory(WorkProgress& progress, const char* option, const std::string& path,
                      const std::string& server) {
  progress.Set(Describe(option, path, server));
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return Unreadable(option, path, errno, server);
  ::closedir(dir);
  return Status::Ok();
}

Status ProbeInputs(const CheckOptions& o, WorkProgress& progress) {
  for (const NamedPath& p : o.tracking.dirs) {
    if (Status s = CheckDirectory(progress, "--tracking-dir", p.path, p.server); !s.ok()) return s;
  }
  for (const NamedPath& p : o.events.files) {
    if (Status s = CheckFile(progress, "--event-file", p.path, p.server); !s.ok()) return s;
  }
  for (const NamedPath& p : o.snapshots.files) {
    if (Status s = CheckSmallFile(progress, "--queue-snapshot", p.path, p.server); !s.ok())
      return s;
  }
  for (const NamedPath& p : o.mailbox_snapshots.files) {
    if (Status s = CheckFile(progress, "--mailbox-snapshot", p.path, p.server); !s.ok()) return s;
  }
  for (const NamedPath& p : o.dsaccess_snapshots.files) {
    if (Status s = CheckFile(progress, "--dsaccess-snapshot", p.path, p.server); !s.ok()) return s;
  }
  if (!o.ldap.password_file.empty()) {
    if (Status s = CheckSmallFile(progress, "--password-file", o.ldap.password_file); !s.ok())
      return s;
  }
  if (!o.ldap.ca_file.empty()) {
    if (Status s = CheckSmallFile(progress, "--ca-file", o.ldap.ca_file); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status CheckLocalInputs(const CheckOptions& o, const Deadline& deadline) {
  // The helper thread may outlive this call (abandoned at the deadline): it owns a copy.
  auto options = std::make_shared<const CheckOptions>(o);
  Result<bool> probed =
      RunBounded<bool>(deadline, [options](WorkProgress& progress) -> Result<bool> {
        if (Status s = ProbeInputs(*options, progress); !s.ok()) return s;
        return true;
      });
  if (!probed.ok()) return probed.status();
  if (!o.ldap.password_env.empty() && std::getenv(o.ldap.password_env.c_str()) == nullptr) {
    return Status(ErrorCode::kInvalidArgument,
                  "--password-env: environment variable '" + o.ldap.password_env + "' is not set");
  }
  return Status::Ok();
}

}  // namespace exdm::check
