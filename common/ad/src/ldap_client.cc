#include "exdm/ad/ldap_client.h"

#include <ldap.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <future>
#include <mutex>
#include <new>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "exdm/base/small_file.h"
#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"
#include "tls_certificate.h"

namespace exdm {
namespace {

constexpr int kPageSize = 1000;  // AD's MaxPageSize: asking for more gets 1000 anyway

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1000;  // 0 would mean "poll" or "forever"
  return tv;
}

std::string Diagnostic(LDAP* ld) {
  char* text = nullptr;
  if (ld == nullptr ||
      ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text) != LDAP_OPT_SUCCESS ||
      text == nullptr) {
    return "";
  }
  std::string out(text);
  ldap_memfree(text);
  return out;
}

int ResultCode(LDAP* ld) {
  int rc = LDAP_OTHER;
  ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
  return rc;
}

bool IsConnectionFailure(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_UNAVAILABLE;
}

// "<uri>: <libldap text> (<result code>) (<server diagnostic>) during <what>". The code as
// ldapsearch prints it ("Invalid credentials (49)"): admins search for it, and AD's diagnostic
// ("80090308: LdapErr: ... data 52e") says more than the text.
Status LdapFailure(ErrorCode code, const std::string& uri, const std::string& what, int rc,
                   const std::string& diagnostic) {
  // The reason first: a status line is cut to a few hundred bytes, and a search's base and filter
  // alone can fill them.
  std::string message = uri + ": " + ldap_err2string(rc) + " (" + std::to_string(rc) + ")";
  // GnuTLS's text for libldap's own TLS failure codes says nothing.
  if (!diagnostic.empty() && diagnostic != "(unknown error code)") {
    message += " (" + diagnostic + ")";
  }
  return Status(code, message + " during " + what);
}

Status Timeout(const std::string& uri, const std::string& what) {
  return Status(ErrorCode::kTimeout, uri + ": no answer before the deadline during " + what);
}

// Waits for one message of msgid, never past the deadline. Returns the message type (> 0) with
// *out set, or a Status.
Result<int> WaitOne(LDAP* ld, int msgid, const Deadline& deadline, const std::string& uri,
                    const std::string& what, LDAPMessage** out) {
  while (true) {
    const auto left = deadline.Remaining();
    if (left.count() <= 0) {
      ldap_abandon_ext(ld, msgid, nullptr, nullptr);
      return Timeout(uri, what);
    }
    timeval tv = ToTimeval(left);
    const int type = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, out);
    if (type > 0) return type;
    if (type < 0) {
      const int rc = ResultCode(ld);
      if (rc == LDAP_TIMEOUT) continue;  // the loop re-checks the deadline
      return LdapFailure(IsConnectionFailure(rc) ? ErrorCode::kUnreachable : ErrorCode::kLdapError,
                         uri, what, rc, Diagnostic(ld));
    }
  }
}

// Cyrus SASL's sasl_interact_t, mirrored because Debian ships its header only in libsasl2-dev:
// GSSAPI normally asks nothing; any prompt gets its default (LDAP_SASL_QUIET never asks a user).
struct SaslInteract {
  unsigned long id;
  const char* challenge;
  const char* prompt;
  const char* defresult;
  const void* result;
  unsigned len;
};

extern "C" int SaslDefaults(LDAP*, unsigned, void*, void* interact) {
  for (auto* in = static_cast<SaslInteract*>(interact); in != nullptr && in->id != 0; ++in) {
    in->result = in->defresult ? in->defresult : "";
    in->len = static_cast<unsigned>(std::strlen(static_cast<const char*>(in->result)));
  }
  return LDAP_SUCCESS;
}

// A refused SASL bind. libldap's code for it is only "Local error"; the reason is in the
// diagnostic (Cyrus SASL's text with the Kerberos library's inside: "No Kerberos credentials
// available (default cache: FILE:/run/...)"), so it comes first, after what failed.
Status SaslBindFailure(const std::string& uri, const std::string& mech, int rc,
                       std::string diagnostic) {
  const std::string what =
      EqualsIgnoreCase(mech, "GSSAPI") ? "Kerberos (SASL GSSAPI) bind" : "SASL " + mech + " bind";
  const std::string noise = "SASL(-1): generic failure: ";
  if (diagnostic.rfind(noise, 0) == 0) diagnostic.erase(0, noise.size());
  std::string message = uri + ": " + what + " failed: ";
  // A ticket for ldap/<host of the URI> does not exist: the usual cause is a URI naming the DC
  // by its address or an alias where AD registers ldap/<its DNS name>.
  if (diagnostic.find("Server not found in Kerberos database") != std::string::npos) {
    message +=
        "the KDC knows no service principal ldap/<host of the URI> (name the DC by the "
        "DNS name it is registered under): ";
  }
  const std::string code = std::string(ldap_err2string(rc)) + " (" + std::to_string(rc) + ")";
  message += diagnostic.empty() ? code : diagnostic + " (" + code + ")";
  return Status(ErrorCode::kBindFailed, message);
}

// libldap 2.5 spins in its TLS handshake loop when the server accepted the connection and then
// went silent (even `ldapsearch -o nettimeout=3` never returns), and a blocking read of a partial
// TLS record is not bounded by ldap_result's timeout either. The watchdog shuts the socket down
// when the deadline passes, which turns any such wait into a prompt error.
class SocketWatchdog {
 public:
  SocketWatchdog(const Deadline& deadline, const std::atomic<int>& fd)
      : thread_([this, deadline, &fd] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (cv_.wait_for(lock, deadline.Remaining(), [this] { return done_; })) return;
          fired_ = true;
          const int socket = fd.load();
          if (socket >= 0) shutdown(socket, SHUT_RDWR);
        }) {}
  // True once the deadline passed and the socket was shut: any failure since is a timeout.
  bool fired() const { return fired_.load(); }
  ~SocketWatchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  SocketWatchdog(const SocketWatchdog&) = delete;
  SocketWatchdog& operator=(const SocketWatchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;  // last: starts once the members it uses exist
};

extern "C" int OnConnect(LDAP*, Sockbuf* sb, LDAPURLDesc*, struct sockaddr*, ldap_conncb* ctx) {
  int fd = -1;
  ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd);
  static_cast<std::atomic<int>*>(ctx->lc_arg)->store(fd);
  return 0;
}

extern "C" void OnDisconnect(LDAP*, Sockbuf*, ldap_conncb* ctx) {
  static_cast<std::atomic<int>*>(ctx->lc_arg)->store(-1);
}

// A read buffer pushed under libldap's message reader once a connection is bound. Without one,
// libldap reads each message's header and body with a read() of its own after a poll(): 10,000
// stores cost 60,000 reads and 30,000 polls, a fifth of the audit's CPU. With it one read takes
// in up to 64 KiB, and libldap, told that data is ready, skips the poll. (liblber's own readahead
// layer is not used: it refuses to be removed, and so leaks, while it still holds bytes, which an
// abandoned search leaves behind.)
struct ReadBuffer {
  static constexpr size_t kSize = 64 * 1024;
  char data[kSize];
  size_t begin = 0;
  size_t end = 0;
};

ReadBuffer& BufferOf(Sockbuf_IO_Desc* sbiod) {
  return *static_cast<ReadBuffer*>(sbiod->sbiod_pvt);
}

extern "C" int ReadBufferSetup(Sockbuf_IO_Desc* sbiod, void*) {
  sbiod->sbiod_pvt = new (std::nothrow) ReadBuffer;
  return sbiod->sbiod_pvt != nullptr ? 0 : -1;
}

extern "C" int ReadBufferRemove(Sockbuf_IO_Desc* sbiod) {
  delete static_cast<ReadBuffer*>(sbiod->sbiod_pvt);
  sbiod->sbiod_pvt = nullptr;
  return 0;
}

extern "C" int ReadBufferCtrl(Sockbuf_IO_Desc* sbiod, int option, void* arg) {
  const ReadBuffer& b = BufferOf(sbiod);
  if (option == LBER_SB_OPT_DATA_READY && b.begin != b.end) return 1;
  return LBER_SBIOD_CTRL_NEXT(sbiod, option, arg);
}

extern "C" ber_slen_t ReadBufferRead(Sockbuf_IO_Desc* sbiod, void* out, ber_len_t len) {
  ReadBuffer& b = BufferOf(sbiod);
  if (b.begin == b.end) {
    if (len >= ReadBuffer::kSize) return LBER_SBIOD_READ_NEXT(sbiod, out, len);
    const ber_slen_t n = LBER_SBIOD_READ_NEXT(sbiod, b.data, ReadBuffer::kSize);
    if (n <= 0) return n;  // end of stream, or an error with errno as the layer below set it
    b.begin = 0;
    b.end = static_cast<size_t>(n);
  }
  const size_t n = std::min(static_cast<size_t>(len), b.end - b.begin);
  std::memcpy(out, b.data + b.begin, n);
  b.begin += n;
  return static_cast<ber_slen_t>(n);
}

extern "C" ber_slen_t ReadBufferWrite(Sockbuf_IO_Desc* sbiod, void* in, ber_len_t len) {
  return LBER_SBIOD_WRITE_NEXT(sbiod, in, len);
}

extern "C" int ReadBufferClose(Sockbuf_IO_Desc* sbiod) {
  ReadBuffer& b = BufferOf(sbiod);
  b.begin = b.end = 0;
  return 0;
}

Sockbuf_IO kReadBufferIo = {ReadBufferSetup, ReadBufferRemove, ReadBufferCtrl,
                            ReadBufferRead,  ReadBufferWrite,  ReadBufferClose};

// Pushes the read buffer over the socket's own layer (under TLS or SASL layers, which sit
// higher). Without it everything still works, only with more system calls.
void AddReadBuffer(LDAP* ld) {
  Sockbuf* sb = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS || sb == nullptr) return;
  ber_sockbuf_add_io(sb, &kReadBufferIo, LBER_SBIOD_LEVEL_PROVIDER, nullptr);
}

// One libldap handle and its socket (for the watchdog).
struct Session {
  Session() {
    callbacks.lc_add = OnConnect;
    callbacks.lc_del = OnDisconnect;
    callbacks.lc_arg = &fd;
  }
  ~Session() {
    if (ld != nullptr) ldap_unbind_ext_s(ld, nullptr, nullptr);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  LDAP* ld = nullptr;
  std::atomic<int> fd{-1};
  ldap_conncb callbacks{};
};

// Initializes s for o.uri: protocol v3, no referrals, the deadline's timeouts, the socket
// callback and, for TLS, certificate checking `require` (LDAP_OPT_X_TLS_DEMAND / NEVER / ALLOW)
// with the CA file.
Status Configure(Session& s, const LdapConnectOptions& o, bool tls, int require,
                 const Deadline& deadline) {
  const std::string& uri = o.uri;
  int rc = ldap_initialize(&s.ld, uri.c_str());
  if (rc != LDAP_SUCCESS) {
    return LdapFailure(ErrorCode::kInvalidArgument, uri, "invalid URI", rc, "");
  }
  const int version = LDAP_VERSION3;
  ldap_set_option(s.ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(s.ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  // Bounds the TCP connect and (libldap >= 2.4) the TLS handshake; synchronous calls (StartTLS,
  // SASL) are bounded by LDAP_OPT_TIMEOUT; everything else waits through WaitOne.
  const timeval tv = ToTimeval(deadline.Remaining());
  ldap_set_option(s.ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(s.ld, LDAP_OPT_TIMEOUT, &tv);
  ldap_set_option(s.ld, LDAP_OPT_CONNECT_CB, &s.callbacks);
  if (!tls) return Status::Ok();
  if (ldap_set_option(s.ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require) != LDAP_OPT_SUCCESS) {
    return Status(ErrorCode::kInternal, uri + ": cannot set TLS certificate checking");
  }
  if (!o.ca_file.empty() &&
      ldap_set_option(s.ld, LDAP_OPT_X_TLS_CACERTFILE, o.ca_file.c_str()) != LDAP_OPT_SUCCESS) {
    return Status(ErrorCode::kInvalidArgument, uri + ": cannot use CA file " + o.ca_file);
  }
  const int is_server = 0;
  rc = ldap_set_option(s.ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
  if (rc != LDAP_OPT_SUCCESS) {
    return LdapFailure(ErrorCode::kInvalidArgument, uri, "TLS setup (CA file " + o.ca_file + ")",
                       rc, Diagnostic(s.ld));
  }
  return Status::Ok();
}

// A TLS handshake only (ldaps:// connect or StartTLS; no bind) with certificate checking
// `require`, into s: LDAP_SUCCESS, libldap's code, or LDAP_TIMEOUT when the deadline ended it
// (or left no time to try).
int Handshake(Session& s, const LdapConnectOptions& o, bool ldaps, int require,
              const Deadline& deadline) {
  if (deadline.Expired() || !Configure(s, o, true, require, deadline).ok()) return LDAP_TIMEOUT;
  SocketWatchdog watchdog(deadline, s.fd);
  const int rc = ldaps ? ldap_connect(s.ld) : ldap_start_tls_s(s.ld, nullptr, nullptr);
  return watchdog.fired() ? LDAP_TIMEOUT : rc;
}

// libldap reports a certificate it refused as "Can't contact LDAP server (-1)" (ldaps) or
// "Connect error (-11)" (StartTLS), with GnuTLS's "(unknown error code)" as the diagnostic: the
// reason only reaches its debug log. That sends admins hunting network problems. So after a TLS
// connection failed with verification on, the handshake runs again, once with verification
// relaxed (LDAP_OPT_X_TLS_ALLOW) and once as configured (nothing is sent over either, no bind):
// when only the relaxed one succeeds, the certificate was the problem (a server that dropped the
// connection after a good handshake passes both). Returns what the certificate says about itself
// (no text when it cannot be read), or nullopt when the certificate is not the problem.
struct RefusedCertificateFacts {
  std::string text;          // "CN=dc1 issued by CN=contoso-CA", "CN=dc1 expired on ..."
  bool out_of_date = false;  // expired or not yet valid: no CA file helps
  bool self_signed = false;
};
std::optional<RefusedCertificateFacts> RefusedCertificate(const LdapConnectOptions& o, bool ldaps,
                                                          const Deadline& deadline) {
  Session relaxed;
  if (Handshake(relaxed, o, ldaps, LDAP_OPT_X_TLS_ALLOW, deadline) != LDAP_SUCCESS) {
    return std::nullopt;
  }
  {
    Session strict;
    const int rc = Handshake(strict, o, ldaps, LDAP_OPT_X_TLS_DEMAND, deadline);
    if (rc == LDAP_SUCCESS || rc == LDAP_TIMEOUT) return std::nullopt;
  }
  LDAP* probe = relaxed.ld;
  berval der{0, nullptr};
  if (ldap_get_option(probe, LDAP_OPT_X_TLS_PEERCERT, &der) != LDAP_OPT_SUCCESS ||
      der.bv_val == nullptr) {
    return RefusedCertificateFacts{};
  }
  const auto facts = ReadCertificateFacts(std::string_view(der.bv_val, der.bv_len));
  ber_memfree(der.bv_val);
  if (!facts) return RefusedCertificateFacts{};
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (facts->not_after && *facts->not_after < now) {
    return RefusedCertificateFacts{
        facts->subject + " expired on " + FormatIso8601Utc(*facts->not_after), true, false};
  }
  if (facts->not_before && *facts->not_before > now) {
    return RefusedCertificateFacts{
        facts->subject + " is not valid before " + FormatIso8601Utc(*facts->not_before), true,
        false};
  }
  if (facts->self_signed)
    return RefusedCertificateFacts{facts->subject + " is self-signed", false, true};
  return RefusedCertificateFacts{facts->subject + " issued by " + facts->issuer, false, false};
}

// The message for a refused certificate: the reason and the certificate first (a status line is
// cut at 200 bytes), then what fixes it, in the caller's own option names.
Status CertificateFailure(const LdapConnectOptions& o, const std::string& what,
                          const RefusedCertificateFacts& certificate) {
  const std::string ca_option = o.ca_file_option.empty() ? "the CA file" : o.ca_file_option;
  std::string message = o.uri + ": TLS certificate verification failed during " + what;
  if (!certificate.text.empty()) message += ": " + certificate.text;
  if (certificate.out_of_date) {
    message += "; the server needs a current certificate (or this host's clock is wrong)";
  } else {
    const std::string which =
        certificate.self_signed ? "that certificate" : "the issuing CA's certificate";
    if (o.ca_file.empty()) {
      message += "; give " + which + " (PEM) with " + ca_option;
    } else {
      message += "; " + ca_option + " " + o.ca_file + " does not hold " + which;
    }
    message += "; or the URI's host is not a name in it";
  }
  if (!o.insecure_option.empty()) message += "; " + o.insecure_option + " only as a last resort";
  return Status(ErrorCode::kUnreachable, message);
}

void AppendUrls(char** urls, std::vector<std::string>& out) {
  for (char** u = urls; u != nullptr && *u != nullptr; ++u)
    out.emplace_back(*u);
}

}  // namespace

struct LdapConnection::Handle : Session {};

namespace {

// One search result entry into `entry`, reusing its strings and vectors: a search hands its
// entries over one by one, mostly with the same attributes, and at 10,000 stores allocating
// every name and value afresh was a tenth of the audit's time. The DN, names and values are read
// where the message holds them (ldap_get_dn_ber, ldap_get_attribute_ber, as ldapsearch does), not
// copied out one by one first.
void ReadEntry(LDAP* ld, LDAPMessage* msg, LdapEntry& entry) {
  BerElement* ber = nullptr;
  berval bv{0, nullptr};
  size_t used = 0;
  if (ldap_get_dn_ber(ld, msg, &ber, &bv) == LDAP_SUCCESS) {
    entry.dn.assign(bv.bv_val ? bv.bv_val : "", bv.bv_val ? bv.bv_len : 0);
    BerVarray values = nullptr;
    while (ldap_get_attribute_ber(ld, msg, ber, &bv, &values) == LDAP_SUCCESS &&
           bv.bv_val != nullptr) {
      if (used == entry.attributes.size()) entry.attributes.emplace_back();
      auto& [name, strings] = entry.attributes[used++];
      name.assign(bv.bv_val, bv.bv_len);
      for (char& c : name)
        c = AsciiLower(c);
      size_t n = 0;
      for (; values != nullptr && values[n].bv_val != nullptr; ++n) {
        if (n == strings.size()) strings.emplace_back();
        strings[n].assign(values[n].bv_val, values[n].bv_len);
      }
      strings.resize(n);
      if (values) ber_memfree(values);
      values = nullptr;
    }
  } else {
    entry.dn.clear();
  }
  entry.attributes.resize(used);
  if (ber) ber_free(ber, 0);
}

}  // namespace

LdapConnection::LdapConnection(std::string uri, std::unique_ptr<Handle> handle)
    : uri_(std::move(uri)), handle_(std::move(handle)) {}

LdapConnection::~LdapConnection() = default;

const std::vector<std::string>* LdapEntry::Values(std::string_view name) const {
  for (const auto& [attribute, values] : attributes) {
    if (EqualsIgnoreCase(attribute, name)) return &values;
  }
  return nullptr;
}

const std::string* LdapEntry::First(std::string_view name) const {
  const auto* values = Values(name);
  return values && !values->empty() ? &values->front() : nullptr;
}

bool LdapEntry::HasObjectClass(std::string_view cls) const {
  if (const auto* classes = Values("objectClass")) {
    for (const std::string& c : *classes) {
      if (EqualsIgnoreCase(c, cls)) return true;
    }
  }
  return false;
}

Result<std::unique_ptr<LdapConnection>> LdapConnection::Open(const LdapConnectOptions& o,
                                                             const Deadline& deadline) {
  const std::string& uri = o.uri;
  const std::string lower = ToLowerAscii(uri);
  const bool ldaps = lower.rfind("ldaps://", 0) == 0;
  if (!ldaps && lower.rfind("ldap://", 0) != 0 && lower.rfind("ldapi://", 0) != 0) {
    return Status(ErrorCode::kInvalidArgument, uri + ": not an ldap://, ldaps:// or ldapi:// URI");
  }
  if (deadline.Expired()) return Timeout(uri, "connect");

  auto handle = std::make_unique<Handle>();
  const bool tls = ldaps || o.starttls;
  const int require = o.insecure_skip_verify ? LDAP_OPT_X_TLS_NEVER : LDAP_OPT_X_TLS_DEMAND;
  if (Status s = Configure(*handle, o, tls, require, deadline); !s.ok()) return s;
  LDAP* ld = handle->ld;
  SocketWatchdog watchdog(deadline, handle->fd);
  // A connection that fails once TLS is involved may be a refused certificate: say so rather
  // than "Can't contact LDAP server".
  auto connect_failure = [&](ErrorCode code, const std::string& what, int failure) {
    if (tls && !o.insecure_skip_verify && IsConnectionFailure(failure)) {
      if (auto certificate = RefusedCertificate(o, ldaps, deadline)) {
        return CertificateFailure(o, what, *certificate);
      }
    }
    return LdapFailure(code, uri, what, failure, Diagnostic(ld));
  };

  int rc = LDAP_SUCCESS;
  if (o.starttls && !ldaps) {
    rc = ldap_start_tls_s(ld, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      if (deadline.Expired() || watchdog.fired() || rc == LDAP_TIMEOUT)
        return Timeout(uri, "StartTLS");
      return connect_failure(ErrorCode::kUnreachable, "StartTLS", rc);
    }
  }

  if (!o.sasl_mech.empty()) {
    rc = ldap_sasl_interactive_bind_s(ld, o.bind_dn.empty() ? nullptr : o.bind_dn.c_str(),
                                      o.sasl_mech.c_str(), nullptr, nullptr, LDAP_SASL_QUIET,
                                      SaslDefaults, nullptr);
    if (rc != LDAP_SUCCESS) {
      if (deadline.Expired() || watchdog.fired() || rc == LDAP_TIMEOUT)
        return Timeout(uri, "SASL bind");
      if (!IsConnectionFailure(rc)) return SaslBindFailure(uri, o.sasl_mech, rc, Diagnostic(ld));
      return connect_failure(ErrorCode::kUnreachable, "SASL " + o.sasl_mech + " bind", rc);
    }
  } else {
    if (!o.bind_dn.empty() && o.password.empty()) {
      return Status(ErrorCode::kBindFailed, uri + ": bind as " + o.bind_dn +
                                                ": no password (an empty password would be "
                                                "an unauthenticated bind)");
    }
    berval cred;
    cred.bv_val = const_cast<char*>(o.password.data());
    cred.bv_len = o.password.size();
    int msgid = -1;
    rc = ldap_sasl_bind(ld, o.bind_dn.empty() ? nullptr : o.bind_dn.c_str(), LDAP_SASL_SIMPLE,
                        &cred, nullptr, nullptr, &msgid);
    if (rc != LDAP_SUCCESS) {
      if (deadline.Expired() || watchdog.fired() || rc == LDAP_TIMEOUT)
        return Timeout(uri, "connect");
      return connect_failure(
          IsConnectionFailure(rc) ? ErrorCode::kUnreachable : ErrorCode::kBindFailed, "connect",
          rc);
    }
    LDAPMessage* res = nullptr;
    auto type = WaitOne(ld, msgid, deadline, uri, "bind", &res);
    if (!type.ok()) return watchdog.fired() ? Timeout(uri, "bind") : type.status();
    int err = LDAP_OTHER;
    char* text = nullptr;
    rc = ldap_parse_result(ld, res, &err, nullptr, &text, nullptr, nullptr, 1);
    const std::string diagnostic = text ? text : "";
    if (text) ldap_memfree(text);
    if (rc != LDAP_SUCCESS) return LdapFailure(ErrorCode::kUnreachable, uri, "bind", rc, "");
    if (err != LDAP_SUCCESS) {
      return LdapFailure(ErrorCode::kBindFailed, uri,
                         "bind as " + (o.bind_dn.empty() ? std::string("anonymous") : o.bind_dn),
                         err, diagnostic);
    }
  }
  AddReadBuffer(ld);
  std::unique_ptr<LdapConnection> connection(new LdapConnection(uri, std::move(handle)));
  connection->options_ = o;
  return connection;
}

Status LdapConnection::Search(const std::string& base, LdapScope scope, const std::string& filter,
                              const std::vector<std::string>& attributes, const Deadline& deadline,
                              const EntryHandler& on_entry, LdapReferrals* referrals) {
  LDAP* ld = handle_->ld;
  const std::string what = "search " + base + " " + filter;
  SocketWatchdog watchdog(deadline, handle_->fd);
  std::vector<char*> attrs;
  for (const std::string& a : attributes)
    attrs.push_back(const_cast<char*>(a.c_str()));
  attrs.push_back(nullptr);
  const int ldap_scope = scope == LdapScope::kBase       ? LDAP_SCOPE_BASE
                         : scope == LdapScope::kOneLevel ? LDAP_SCOPE_ONELEVEL
                                                         : LDAP_SCOPE_SUBTREE;
  berval cookie{0, nullptr};
  struct CookieGuard {
    berval* c;
    ~CookieGuard() {
      if (c->bv_val) ber_memfree(c->bv_val);
    }
  } guard{&cookie};
  LdapEntry entry;
  do {
    if (deadline.Expired()) return Timeout(uri_, what);
    LDAPControl* page = nullptr;
    int rc = ldap_create_page_control(ld, kPageSize, cookie.bv_val ? &cookie : nullptr, 0, &page);
    if (rc != LDAP_SUCCESS) return LdapFailure(ErrorCode::kInternal, uri_, what, rc, "");
    LDAPControl* controls[] = {page, nullptr};
    int msgid = -1;
    rc = ldap_search_ext(ld, base.c_str(), ldap_scope, filter.c_str(), attrs.data(), 0, controls,
                         nullptr, nullptr, LDAP_NO_LIMIT, &msgid);
    ldap_control_free(page);
    if (rc != LDAP_SUCCESS) {
      return LdapFailure(IsConnectionFailure(rc) ? ErrorCode::kUnreachable : ErrorCode::kLdapError,
                         uri_, what, rc, Diagnostic(ld));
    }
    bool page_done = false;
    while (!page_done) {
      LDAPMessage* msg = nullptr;
      auto type = WaitOne(ld, msgid, deadline, uri_, what, &msg);
      if (!type.ok()) return watchdog.fired() ? Timeout(uri_, what) : type.status();
      std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> owned(msg, ldap_msgfree);
      if (*type == LDAP_RES_SEARCH_ENTRY) {
        ReadEntry(ld, msg, entry);
        Status s = on_entry(entry);
        if (!s.ok()) {
          ldap_abandon_ext(ld, msgid, nullptr, nullptr);
          return s;
        }
      } else if (*type == LDAP_RES_SEARCH_RESULT) {
        int err = LDAP_OTHER;
        char* text = nullptr;
        char** urls = nullptr;
        LDAPControl** response = nullptr;
        rc = ldap_parse_result(ld, msg, &err, nullptr, &text, referrals ? &urls : nullptr,
                               &response, 0);
        const std::string diagnostic = text ? text : "";
        if (text) ldap_memfree(text);
        if (rc == LDAP_SUCCESS && err == LDAP_REFERRAL && referrals) {
          AppendUrls(urls, referrals->referral);
          if (urls) ber_memvfree(reinterpret_cast<void**>(urls));
          if (response) ldap_controls_free(response);
          return Status::Ok();  // the base lives elsewhere: nothing more to read here
        }
        if (urls) ber_memvfree(reinterpret_cast<void**>(urls));
        if (rc != LDAP_SUCCESS || err != LDAP_SUCCESS) {
          if (response) ldap_controls_free(response);
          const int code = rc != LDAP_SUCCESS ? rc : err;
          return LdapFailure(
              IsConnectionFailure(code) ? ErrorCode::kUnreachable : ErrorCode::kLdapError, uri_,
              what, code, diagnostic);
        }
        if (cookie.bv_val) {
          ber_memfree(cookie.bv_val);
          cookie = berval{0, nullptr};
        }
        if (LDAPControl* pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, response, nullptr)) {
          ber_int_t estimate = 0;
          ldap_parse_pageresponse_control(ld, pr, &estimate, &cookie);
        }
        if (response) ldap_controls_free(response);
        page_done = true;
      } else if (*type == LDAP_RES_SEARCH_REFERENCE && referrals) {
        // A continuation reference: a naming context below the base that another server holds.
        char** urls = nullptr;
        if (ldap_parse_reference(ld, msg, &urls, nullptr, 0) == LDAP_SUCCESS) {
          AppendUrls(urls, referrals->continuations);
          if (urls) ber_memvfree(reinterpret_cast<void**>(urls));
        }
      }
    }
  } while (cookie.bv_len > 0);
  return Status::Ok();
}

std::vector<Status> LdapConnection::InParallel(const std::vector<Task>& tasks,
                                               const Deadline& deadline) {
  std::vector<Status> out(tasks.size(), Status::Ok());
  if (tasks.empty()) return out;
  // Every other task on its own connection; nullopt when none could be opened.
  std::vector<std::future<std::optional<Status>>> others;
  for (size_t i = 1; i < tasks.size(); ++i) {
    others.push_back(std::async(std::launch::async, [this, &tasks, &deadline, i] {
      auto connection = Open(options_, deadline);
      if (!connection.ok()) return std::optional<Status>();
      return std::optional<Status>(tasks[i](**connection));
    }));
  }
  out[0] = tasks[0](*this);
  for (size_t i = 1; i < tasks.size(); ++i) {
    std::optional<Status> status = others[i - 1].get();
    out[i] = status ? *status : tasks[i](*this);
  }
  return out;
}

std::optional<ValueRange> ParseValueRange(std::string_view description,
                                          std::string_view attribute) {
  const std::string_view option = ";range=";
  if (description.size() <= attribute.size() + option.size() ||
      !EqualsIgnoreCase(description.substr(0, attribute.size()), attribute) ||
      !EqualsIgnoreCase(description.substr(attribute.size(), option.size()), option)) {
    return std::nullopt;
  }
  const std::string_view window = description.substr(attribute.size() + option.size());
  const size_t dash = window.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  ValueRange range;
  const auto first = ParseDigits(window.substr(0, dash));
  if (!first) return std::nullopt;
  range.first = static_cast<size_t>(*first);
  const std::string_view last = window.substr(dash + 1);
  if (last != "*") {
    const auto end = ParseDigits(last);
    if (!end || *end < *first) return std::nullopt;
    range.last = static_cast<size_t>(*end);
  }
  return range;
}

Result<std::vector<std::string>> LdapConnection::ReadAllValues(const std::string& dn,
                                                               const std::string& attribute,
                                                               const Deadline& deadline,
                                                               size_t window) {
  std::vector<std::string> values;
  size_t first = 0;
  // The first read asks for the plain attribute (a server without ranged retrieval sends every
  // value), later ones for the window after the last one received.
  std::string request =
      window == 0 ? attribute : attribute + ";range=0-" + std::to_string(window - 1);
  while (true) {
    std::optional<ValueRange> answered;
    bool found = false;
    Status s = Search(dn, LdapScope::kBase, "(objectClass=*)", {request}, deadline,
                      [&](const LdapEntry& e) {
                        for (const auto& [name, vals] : e.attributes) {
                          auto range = ParseValueRange(name, attribute);
                          if (!range && !EqualsIgnoreCase(name, attribute)) continue;
                          found = true;
                          answered = range;
                          values.insert(values.end(), vals.begin(), vals.end());
                        }
                        return Status::Ok();
                      });
    if (!s.ok()) return s;
    if (!found && first == 0 && window != 0) {
      // A server without ranged retrieval ignores the option: ask for the plain attribute.
      window = 0;
      request = attribute;
      continue;
    }
    // Everything: the plain attribute, a window ending in "*", or nothing (no values left).
    if (!found || !answered || !answered->last) return values;
    if (answered->first != first) {
      return Status(ErrorCode::kLdapError, uri_ + ": " + dn + ": asked for " + attribute +
                                               " from value " + std::to_string(first) +
                                               ", got a window from " +
                                               std::to_string(answered->first));
    }
    first = *answered->last + 1;
    request = attribute + ";range=" + std::to_string(first) + "-" +
              (window == 0 ? std::string("*") : std::to_string(first + window - 1));
  }
}

Result<LdapEntry> LdapConnection::ReadRootDse(const std::vector<std::string>& attributes,
                                              const Deadline& deadline) {
  std::optional<LdapEntry> root;
  Status s = Search("", LdapScope::kBase, "(objectClass=*)", attributes, deadline,
                    [&](const LdapEntry& e) {
                      root = e;
                      return Status::Ok();
                    });
  if (!s.ok()) return s;
  if (!root) return Status(ErrorCode::kLdapError, uri_ + ": root DSE not readable");
  return *root;
}

Result<std::string> LdapConnection::ReadNamingContext(const std::string& attribute,
                                                      const Deadline& deadline) {
  auto dse = ReadRootDse({attribute}, deadline);
  if (!dse) return dse.status();
  const std::string* nc = dse->First(attribute);
  if (!nc || nc->empty()) {
    return Status(ErrorCode::kLdapError, uri_ + ": the root DSE names no " + attribute);
  }
  return *nc;
}

Result<std::string> ReadPasswordFile(const std::string& path, std::string* warning,
                                     const Deadline& deadline) {
  constexpr size_t kMaxPasswordFileBytes = 64 * 1024;
  Result<std::string> text = ReadSmallFile(path, "password file", kMaxPasswordFileBytes, deadline);
  if (!text.ok()) return text.status();
  std::string line = text->substr(0, text->find('\n'));
  while (!line.empty() && line.back() == '\r')
    line.pop_back();
  if (line.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "password file '" + path + "' is empty (the password is its first line)");
  }
  struct stat st;
  if (warning != nullptr && stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
    *warning = "password file " + path + " is readable by every user (chmod 600 or 640)";
  }
  return line;
}

Status CheckCaFile(const std::string& path, const std::string& option, const Deadline& deadline) {
  constexpr size_t kMaxCaFileBytes = 8 << 20;  // Debian's whole CA bundle is about 200 KiB
  Result<std::string> pem = ReadSmallFile(path, option, kMaxCaFileBytes, deadline);
  if (!pem.ok()) return pem.status();
  const std::vector<std::string> certificates = PemCertificates(*pem);
  if (certificates.empty()) {
    return Status(ErrorCode::kBadInput,
                  option + " '" + path +
                      "' holds no PEM certificate (no -----BEGIN CERTIFICATE----- line); give the "
                      "CA's certificate in PEM form");
  }
  for (size_t i = 0; i < certificates.size(); ++i) {
    if (certificates[i].empty() || !ReadCertificateFacts(certificates[i])) {
      return Status(ErrorCode::kBadInput, option + " '" + path + "': certificate " +
                                              std::to_string(i + 1) +
                                              " is not a readable X.509 certificate");
    }
  }
  return Status::Ok();
}

namespace {

// [env_start, env_end) of this process (fields 50 and 51 of /proc/self/stat): the block of memory
// /proc/<pid>/environ shows, which holds the environment the process was started with.
std::optional<std::pair<uintptr_t, uintptr_t>> InitialEnvironment() {
  Result<std::string> stat = ReadSmallFileNow("/proc/self/stat", "/proc/self/stat", 8192);
  if (!stat.ok()) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: count from after the last ')'.
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(close + 1));
  std::string field;
  uintptr_t start = 0, end = 0;
  for (int number = 3; fields >> field; ++number) {
    if (number == 50) start = static_cast<uintptr_t>(std::strtoull(field.c_str(), nullptr, 10));
    if (number == 51) end = static_cast<uintptr_t>(std::strtoull(field.c_str(), nullptr, 10));
  }
  if (start == 0 || end <= start) return std::nullopt;
  return std::make_pair(start, end);
}

}  // namespace

Result<std::string> ReadPasswordEnv(const std::string& variable) {
  char* value = std::getenv(variable.c_str());
  if (value == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "environment variable " + variable + " is not set");
  }
  if (*value == '\0') {
    return Status(ErrorCode::kInvalidArgument, "environment variable " + variable + " is empty");
  }
  std::string password(value);
  // Same-user processes (and root) can read /proc/<pid>/environ for the whole run: the value is
  // moved out of that block (setenv keeps a copy on the heap, so a later read in the same run
  // still finds it) and the block's bytes are overwritten in place.
  const auto block = InitialEnvironment();
  const auto at = reinterpret_cast<uintptr_t>(value);
  if (block && at >= block->first && at < block->second) {
    if (::setenv(variable.c_str(), password.c_str(), 1) == 0) {
      std::memset(value, 0, password.size());
    }
  }
  return password;
}

}  // namespace exdm
