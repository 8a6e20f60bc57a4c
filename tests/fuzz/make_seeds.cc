// Writes the fuzz targets' seed corpora, derived from the test fixtures, into <out>/<target>/:
//   fuzz_make_seeds <source dir> <out dir>
// Each target reads its first byte(s) as parameters (see the target's header comment), so seeds
// are the fixtures with those bytes in front; payload and state file seeds are what the product
// writes after reading the fixtures.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "exdm/base/deadline.h"
#include "exdm/events/evidence.h"
#include "exdm/state/state_file.h"
#include "exdm/tracking/local_delivery.h"

namespace fs = std::filesystem;

namespace {

fs::path g_out;
int g_count = 0;

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void Seed(const std::string& target, const std::string& name, std::string_view prefix,
          std::string_view body) {
  const fs::path dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
  ++g_count;
}

std::vector<fs::path> Files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Flat(const fs::path& p, const fs::path& base) {
  std::string s = fs::relative(p, base).string();
  for (char& c : s) {
    if (c == '/') c = '_';
  }
  return s;
}

std::string TrackingPayload(const std::string& log) {
  exdm::LocalDeliveryAnalyzer a("EXCH01", exdm::LocalDeliveryConfig());
  a.BeginFile("20261124.log", 0);
  std::vector<char> buf(log.size() + exdm::LocalDeliveryAnalyzer::kPadding, '\0');
  std::memcpy(buf.data(), log.data(), log.size());
  a.Consume(buf.data(), log.size(), /*final=*/true);
  return a.SavePayload();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SOURCE_DIR OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path src = argv[1];
  g_out = argv[2];
  const fs::path fixtures = src / "tests" / "fixtures";

  for (const fs::path& f : Files(fixtures / "tracking")) {
    const std::string log = Read(f);
    const std::string name = Flat(f, fixtures / "tracking");
    Seed("tracking_log", name + ".whole", std::string("\x01\xff", 2), log);
    Seed("tracking_log", name + ".split", std::string("\x45\x80", 2), log);
    Seed("state_payload", "tracking-" + name, std::string(1, '\0'), TrackingPayload(log));
  }

  for (const char* sub : {"events", "collect"}) {
    for (const fs::path& f : Files(fixtures / sub)) {
      const std::string text = Read(f);
      const std::string name = std::string(sub) + "_" + Flat(f, fixtures / sub);
      Seed("event_log", name + ".utc", std::string("\x00\xff", 2), text);
      Seed("event_log", name + ".berlin", std::string("\x04\x80", 2), text);
      // The incremental reader: a cap below and above the fixture's rows, split mid-file.
      Seed("event_read", name + ".cap64", std::string("\x40\x80", 2), text);
      Seed("event_read", name + ".cap255", std::string("\xff\x60", 2), text);
      exdm::EventCollectOptions options;
      options.files = {{"EXCH01", f.string()}};
      options.now = 1'900'000'000;
      options.window_start = 0;
      exdm::StateSnapshot next;
      if (exdm::CollectEventEvidence(options, exdm::StateSnapshot(), &next).ok()) {
        Seed("state_payload", "events-" + name, "\x01", next.payload);
      }
    }
  }

  for (const fs::path& f : Files(fixtures / "queue_snapshot")) {
    if (f.extension() != ".csv") continue;
    const std::string text = Read(f);
    Seed("queue_snapshot", f.filename().string() + ".any", std::string(1, '\0'), text);
    Seed("queue_snapshot", f.filename().string() + ".exch01", "\x01", text);
  }

  // Store snapshots: the byte in front also picks the audit the analysis gets (see the targets).
  for (const fs::path& f : Files(fixtures / "store_snapshot")) {
    if (f.extension() != ".csv") continue;
    const std::string name = f.filename().string();
    const std::string target =
        name.find("-mailboxes") != std::string::npos ? "mailbox_snapshot" : "dsaccess_snapshot";
    const std::string text = Read(f);
    Seed(target, name + ".any", std::string(1, '\0'), text);
    Seed(target, name + ".audited", "\x02", text);
    Seed(target, name + ".public", "\x06", text);
  }

  {  // A state file as the product writes it, whole and as the body the harness seals itself.
    char templ[] = "/tmp/exdm-make-seeds.XXXXXX";
    if (::mkdtemp(templ) == nullptr) return 1;
    const std::string path = std::string(templ) + "/state";
    {
      auto state =
          exdm::StateFile::Acquire(path, "queue", "EXCH01=/logs/EXCH01", exdm::Deadline::Never());
      if (!state.ok()) return 1;
      exdm::StateSnapshot snap;
      exdm::FileCursor c;
      c.path = "/logs/EXCH01/20261124.log";
      c.identity = {2049, 131077, 1024, 0x0123456789abcdefULL};
      c.offset = 4096;
      snap.files.push_back(c);
      snap.payload = TrackingPayload(Read(fixtures / "tracking" / "kb_1028" / "20261124.log"));
      if (!state->Commit(snap).ok()) return 1;
    }
    const std::string file = Read(path);
    fs::remove_all(templ);
    Seed("state_file", "committed", std::string(1, '\0'), file);
    const size_t nl = file.find('\n');
    const std::string_view body = std::string_view(file).substr(nl + 1, file.size() - nl - 1 - 8);
    Seed("state_file", "body", "\x01", body);
    exdm::PayloadReader r(body);
    r.Bytes();
    const std::string_view after_keys = r.Bytes();
    const size_t at = static_cast<size_t>(after_keys.data() + after_keys.size() - body.data());
    Seed("state_file", "body-after-keys", "\x02", body.substr(at));
  }

  int i = 0;
  for (const char* r : {"10", "10:", "~:10", "10:20", "@10:20", "@~:0", "1e3:2e3", "-5.5:5", "0.5",
                        ":", "20:10", "1e400"}) {
    Seed("range", std::to_string(i++), "", r);
  }
  for (const char* g :
       {"{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}", "3e4385bb-7c43-4feb-8ea2-97c65cc06abf",
        "3e4385bb7c434feb8ea297c65cc06abf", "SMTP (EXCH01-{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF})",
        "SystemMailbox{DA99A83E-0E2F-4B5E-9C3C-1A2B3C4D5E6F} x {3e4385bb-7c43-4feb-8ea2-}",
        "\xbb\x85\x43\x3e\x43\x7c\xeb\x4f\x8e\xa2\x97\xc6\x5c\xc0\x6a\xbf"}) {
    Seed("guid", std::to_string(i++), "", g);
  }
  for (const char* d :
       {"CN=Mailbox Store (EXCH01),CN=First Storage Group,CN=InformationStore,CN=EXCH01,"
        "CN=Servers,CN=First Administrative Group,CN=Administrative Groups,CN=Contoso,"
        "CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com",
        "CN=Microsoft MTA\\0ADEL:3e4385bb-7c43-4feb-8ea2-97c65cc06abf,CN=Deleted Objects,DC=x",
        "cn=a+sn=b;dc=x , dc = y", "CN=a\\,b\\2C\\\"c\\\"\\3c\\>,DC=x", "CN=\\ lead\\#x trail\\ ",
        "CN=#04024869,O=Test", "1.3.6.1.4.1.1466.0=#04024869,DC=example"}) {
    Seed("dn", std::to_string(i++), std::string(1, '\0'), d);
  }
  for (const char* v : {"Store (1)*", " #lead, trail ", "a+b=c;d\"e<f>g\\", "\xc3\x9c\xd0\x96"}) {
    Seed("dn", std::to_string(i++), "\x01", v);
    Seed("ldap_filter", std::to_string(i++), "", v);
  }
  Seed("ldap_filter", std::to_string(i++), "", std::string("nul\0ctl\x01\x7f\xff", 10));

  Seed("config", "exporter.ini", std::string(1, '\0'),
       Read(src / "deploy" / "systemd" / "exporter.ini.example"));
  Seed("config", "check.ini", "\x01",
       Read(src / "deploy" / "check" / "check_exchange_delivery.ini"));
  Seed("config", "web.yml", "\x02",
       "basic_auth_users:\n  prometheus: "
       "$2y$10$X0h1BUSqz8bpVnHx5mdvVu1bURyyzJy5v2W1Lr7OPq6wdIsuIGEJy\n");
  Seed("config", "auth", "\x03", "Basic cHJvbWV0aGV1czpzZWNyZXQ=");

  // Discovery's entries: the plugin fixture (one store without its SMTP mailbox), as read and
  // with a gateway DN, a homeMDB and an admin group's legacyExchangeDN (which the repair
  // copies) that hide LDIF records behind newlines (base64, as AD would return them).
  const std::string org =
      Read(src / "tests" / "fixtures" / "plugin" / "one-store-missing-smtp-mailbox.ldif");
  Seed("ldap_entries", "fixture", std::string(1, '\0'), org);
  Seed("ldap_entries", "fixture-system-mailboxes-only-exch01", "\x03", org);
  std::string hostile = org;
  const std::string plain_home_mdb = "homeMDB: CN=Store,";
  if (const size_t at = hostile.find(plain_home_mdb); at != std::string::npos) {
    hostile.replace(
        at, hostile.find('\n', at) - at,
        "homeMDB:: "
        "Q049U3RvcmUKY2hhbmdldHlwZTogZGVsZXRlCixDTj1TRzEsQ049SW5mb3JtYXRpb25TdG9yZSxDTj1FWENIMDEsQ0"
        "49U2VydmVycyxDTj1BRyxDTj1BZG1pbmlzdHJhdGl2ZSBHcm91cHMsQ049Q29udG9zbyxDTj1NaWNyb3NvZnQgRXhj"
        "aGFuZ2UsQ049U2VydmljZXMsQ049Q29uZmlndXJhdGlvbixEQz1jb250b3NvLERDPWNvbQ==");
  }
  const std::string plain_gateway_dn = "dn: CN=SMTP (EXCH01-";
  if (const size_t at = hostile.find(plain_gateway_dn); at != std::string::npos) {
    hostile.replace(
        at, hostile.find('\n', at) - at,
        "dn:: "
        "Q049U01UUCAoRVhDSDAxLXszRTQzODVCQi03QzQzLTRGRUItOEVBMi05N0M2NUNDMDZBQkZ9KQoKZG46IENOPXZpY3"
        "RpbQpjaGFuZ2V0eXBlOiBkZWxldGUsQ049Q29ubmVjdGlvbnMsQ049Q29udG9zbyxDTj1NaWNyb3NvZnQgRXhjaGFu"
        "Z2UsQ049U2VydmljZXMsQ049Q29uZmlndXJhdGlvbixEQz1jb250b3NvLERDPWNvbQ==");
  }
  const std::string plain_ag_legacy_dn = "legacyExchangeDN: /o=Contoso/ou=AG\n";
  if (const size_t at = hostile.find(plain_ag_legacy_dn); at != std::string::npos) {
    hostile.replace(
        at, plain_ag_legacy_dn.size() - 1,
        "legacyExchangeDN:: L289Q29udG9zby9vdT1BRwoKZG46IENOPXZpY3RpbQpjaGFuZ2V0eXBlOiBkZWxldGUK");
  }
  Seed("ldap_entries", "hostile-names", "\x01", hostile);

  // A server certificate as libldap hands it over (DER): openssl req -x509, EC P-256, subject
  // "CN=dc1.contoso.com,O=Contoso\\, Ltd,OU=IT+UID=x", self-signed.
  const std::string cert_hex =
      "308201f330820199a00302010202143cafe9e576b940fdd219c5196896297e39d7d16e300a06082a8648ce3d04"
      "0302304f3118301606035504030c0f6463312e636f6e746f736f2e636f6d31153013060355040a0c0c436f6e74"
      "6f736f2c204c7464311c3009060355040b0c024954300f060a0992268993f22c6401010c0178301e170d323631"
      "3132363030323234315a170d3336313132333030323234315a304f3118301606035504030c0f6463312e636f6e"
      "746f736f2e636f6d31153013060355040a0c0c436f6e746f736f2c204c7464311c3009060355040b0c02495430"
      "0f060a0992268993f22c6401010c01783059301306072a8648ce3d020106082a8648ce3d030107034200040086"
      "913eaa1cb1d52edf6ad3a7f53121d73e4bd18d95e794c781465a734471e76e6623c22e2e8e946beeccfc5f3352"
      "f1f9c192d0f2944e87fc9ef2e7bc07688ca3533051301d0603551d0e04160414b857a5f1b9ba19bac9d4efae2b"
      "c055b68dc375c8301f0603551d23041830168014b857a5f1b9ba19bac9d4efae2bc055b68dc375c8300f060355"
      "1d130101ff040530030101ff300a06082a8648ce3d040302034800304502210081592f6f653f88d4a66963ffcd"
      "c1317b1adeae54cb3f0c1bb509d2090e1b72eb022015338e2dc842ae11880d52ceab836b1882e709710863b056"
      "e8eaa71f3927606c";
  std::string cert;
  for (size_t at = 0; at + 1 < cert_hex.size(); at += 2)
    cert += static_cast<char>(std::stoi(cert_hex.substr(at, 2), nullptr, 16));
  Seed("tls_certificate", "self-signed", "", cert);
  // Text for the output, label and redaction rules: names and lines the fixtures hold.
  Seed("text", "hostile-org", "\x80", Read(fixtures / "orgs" / "hostile-names.json"));
  Seed("text", "bidi-and-labels", "\x40",
       std::string("Sales|EU\xe2\x80\xae"
                   "exe.txt Ops\nA Ops\rA Sales/EU \xff\xfe\0") +
           "jane.doe@contoso.com <1A@EXCH01> a@b@c x)(mail=*@contoso.com");
  // An event export with one line far longer than a small cap, still being written.
  Seed("event_read", "long-line", std::string("\x20\xc0", 2),
       "{\"EventTime\":\"2026-11-25T10:00:00Z\",\"EventID\":326,\"SourceName\":\"x\"}\n{\"M\":\"" +
           std::string(600, 'x') +
           "\"}\n{\"EventTime\":\"2026-11-25T10:00:01Z\",\"EventID\":1}\n{\"" +
           std::string(300, 'y'));
  Seed("tls_certificate", "cut", "", cert.substr(0, cert.size() / 2));

  std::printf("wrote %d seeds into %s\n", g_count, g_out.c_str());
  return 0;
}
