// Expected failures as values (LevelDB's Status, C++23's std::expected in miniature).
// The core never throws for LDAP outages, missing files or bad input lines: it returns these.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace exdm {

// What kind of failure, so front ends can map it to exit codes / collector success without parsing
// the message. Kept coarse on purpose: the message carries the detail.
enum class ErrorCode {
  kInvalidArgument,  // bad option value, bad range, malformed config
  kUnreachable,      // LDAP server cannot be contacted (connect refused, TLS failure, timeout)
  kBindFailed,       // LDAP server answered but refused the credentials
  kLdapError,        // LDAP operation failed after a successful bind (no such base, size limit…)
  kIoError,          // local input missing or unreadable
  kBadInput,         // local input exists but is not in the expected format
  kTimeout,          // the run's deadline expired
  kLocked,           // state file held by another run
  kInternal,         // a bug: should never be seen
};

class Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : error_{{code, std::move(message)}} {}

  static Status Ok() { return Status(); }
  bool ok() const { return !error_.has_value(); }
  ErrorCode code() const {
    assert(!ok());
    return error_->code;
  }
  const std::string& message() const {
    static const std::string kEmpty;
    return ok() ? kEmpty : error_->message;
  }
  // Prefix context ("ldap://dc1:389: ") while keeping the code.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(error_->code, context + ": " + error_->message);
  }

 private:
  struct Error {
    ErrorCode code;
    std::string message;
  };
  std::optional<Error> error_;
};

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "an OK Status carries no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace exdm
