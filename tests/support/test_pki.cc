#include "test_pki.h"

#include <fstream>
#include <vector>

#include "run_program.h"

namespace exdm::testing {
namespace {

const char kOpenSsl[] = "/usr/bin/openssl";

// Extensions for leaf certificates, and a minimal `openssl ca` setup for the expired ones.
const char kConfig[] = R"([server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1

[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:prometheus.example.com

[ca]
default_ca = test_ca

[test_ca]
dir = .
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = anything
unique_subject = no

[anything]
commonName = supplied
)";

}  // namespace

TestPki::TestPki(const std::string& dir) : dir_(dir) {
  std::ofstream(dir_ + "/pki.cnf") << kConfig;
  std::ofstream(dir_ + "/index.txt");
  std::ofstream(dir_ + "/serial") << "1000\n";
  if (!MakeCa("ca", "/CN=exdm test CA") || !MakeCa("other-ca", "/CN=exdm untrusted CA")) return;
  if (!MakeLeaf("server", "ca", "/CN=localhost", "server", false)) return;
  if (!MakeLeaf("client", "ca", "/CN=prometheus", "client", false)) return;
  if (!MakeLeaf("stranger", "other-ca", "/CN=prometheus", "client", false)) return;
  if (!MakeLeaf("expired-server", "ca", "/CN=localhost", "server", true)) return;
  MakeLeaf("expired-client", "ca", "/CN=prometheus", "client", true);
}

bool TestPki::Run(const std::string& step, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kOpenSsl};
  argv.insert(argv.end(), args.begin(), args.end());
  ProgramOptions options;
  options.cwd = dir_;
  const ProgramResult r = RunProgram(argv, options);
  if (r.exit_code != 0) {
    error_ = "openssl " + step + " failed: " + r.err + r.out;
    return false;
  }
  return true;
}

bool TestPki::MakeCa(const std::string& name, const std::string& subject) {
  return Run(name, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", name + ".key", "-out", name + ".crt", "-days", "3650",
                    "-subj", subject, "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

bool TestPki::MakeLeaf(const std::string& name, const std::string& ca, const std::string& subject,
                       const std::string& extensions, bool expired) {
  if (!Run(name + " key",
           {"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject})) {
    return false;
  }
  if (expired) {
    return Run(name + " (ca)",
               {"ca",         "-batch",          "-config",   "pki.cnf",     "-cert",
                ca + ".crt",  "-keyfile",        ca + ".key", "-startdate",  "20200101000000Z",
                "-enddate",   "20200102000000Z", "-extfile",  "pki.cnf",     "-extensions",
                extensions,   "-notext",         "-in",       name + ".csr", "-out",
                name + ".crt"});
  }
  return Run(name + " (x509)", {"x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey",
                                ca + ".key", "-CAcreateserial", "-days", "3650", "-extfile",
                                "pki.cnf", "-extensions", extensions, "-out", name + ".crt"});
}

}  // namespace exdm::testing
