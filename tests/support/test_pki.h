// A throwaway PKI made with the openssl command line, for TLS tests against real clients: a CA,
// a server certificate for localhost (DNS localhost, IP 127.0.0.1 and ::1), a client certificate
// (SAN prometheus.example.com), a client certificate from a CA nobody trusts, and an expired
// server and client certificate from the trusted CA (valid 2020-01-01 to 2020-01-02: OpenSSL 3's
// `req` cannot backdate, `ca -startdate/-enddate` can). EC P-256 keys: quick to make.
#pragma once

#include <string>
#include <vector>

namespace exdm::testing {

class TestPki {
 public:
  // Creates everything under `dir`; on failure ok() is false and error() says which step.
  explicit TestPki(const std::string& dir);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  std::string ca_cert() const { return dir_ + "/ca.crt"; }
  std::string server_cert() const { return dir_ + "/server.crt"; }
  std::string server_key() const { return dir_ + "/server.key"; }
  std::string client_cert() const { return dir_ + "/client.crt"; }
  std::string client_key() const { return dir_ + "/client.key"; }
  std::string other_ca_cert() const { return dir_ + "/other-ca.crt"; }
  std::string stranger_cert() const { return dir_ + "/stranger.crt"; }  // signed by other-ca
  std::string stranger_key() const { return dir_ + "/stranger.key"; }
  std::string expired_server_cert() const { return dir_ + "/expired-server.crt"; }
  std::string expired_server_key() const { return dir_ + "/expired-server.key"; }
  std::string expired_client_cert() const { return dir_ + "/expired-client.crt"; }
  std::string expired_client_key() const { return dir_ + "/expired-client.key"; }

 private:
  bool Run(const std::string& step, const std::vector<std::string>& args);
  bool MakeCa(const std::string& name, const std::string& subject);
  bool MakeLeaf(const std::string& name, const std::string& ca, const std::string& subject,
                const std::string& extensions, bool expired);

  std::string dir_;
  std::string error_;
};

}  // namespace exdm::testing
