// exdm_gen_events: synthetic Exchange 2000/2003 application-log exports for tests and the demo,
// deterministic from --seed. Writes Log Parser 2.2 CSV (`SELECT * FROM Application`, -o:CSV,
// TimeGenerated in the --tz local time) or NXLog im_mseventlog + to_json() lines.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "exdm/base/time_util.h"
#include "exdm/events/time_zone.h"

namespace {

constexpr const char kHelp[] =
    "Usage: exdm_gen_events [options]\n"
    "Writes a synthetic Windows application log export of an Exchange 2000/2003 server whose\n"
    "store driver cannot log on to a store (events 326/1194), with competing evidence and noise.\n"
    "Output is deterministic for a given set of options.\n"
    "\n"
    "  --format csv|jsonl          Log Parser 2.2 CSV (default) or NXLog JSON lines\n"
    "  --seed N                    random seed (default 1)\n"
    "  --server NAME               Exchange server / ComputerName (default EXCH01)\n"
    "  --org NAME                  organization (default Contoso)\n"
    "  --admin-group NAME          administrative group (default First Administrative Group)\n"
    "  --store-guid GUID           store whose SMTP mailbox is broken (repeatable; default one\n"
    "                              GUID derived from the seed). 326 events cycle over them.\n"
    "  --start TIME                time of the first event, ISO 8601 UTC (default\n"
    "                              2026-11-25T08:00:00Z)\n"
    "  --duration SEC              events are spread over this many seconds (default 3600)\n"
    "  --tz ZONE                   local zone of the exporting machine (default UTC): CSV\n"
    "                              TimeGenerated is written in it; JSON --json-time plain too\n"
    "  --json-time iso|plain       NXLog EventTime as 2026-11-25T09:14:03.000000+01:00 (default,\n"
    "                              current NXLog) or 2026-11-25 09:14:03 (older NXLog, local)\n"
    "  --logon-failures N          MSExchangeTransport 326, both DN shapes, errors 0x80040148 and\n"
    "                              0x80040158 (default 3)\n"
    "  --interface-failures N      MSExchangeIS 1194 (default 1)\n"
    "  --call-failures N           MSExchangeTransport 327 EcLocallyDeliverMsg (default 0)\n"
    "  --call-mdb GUID             MDB named by 327 (default: the first store GUID)\n"
    "  --system-mailbox-missing N  EXOLEDB 116 for the first store GUID (default 0)\n"
    "  --dsaccess                  one MSExchangeDSAccess 2080 listing --dc / --gc hosts\n"
    "  --dc HOST, --gc HOST        directory servers for 2080 (default dc1/gc1.contoso.com)\n"
    "  --unrelated N               unrelated events, some multi-line with quotes (default 20)\n"
    "  --lookalike-326 N           ESE events that reuse ID 326 (default 1)\n"
    "  --malformed N               unreadable rows (default 0)\n"
    "  --out FILE                  write here instead of standard output\n"
    "  --help                      this text\n";

struct Options {
  std::string format = "csv";
  uint64_t seed = 1;
  std::string server = "EXCH01";
  std::string org = "Contoso";
  std::string admin_group = "First Administrative Group";
  std::vector<std::string> store_guids;
  int64_t start = 0;
  int64_t duration = 3600;
  std::string tz = "UTC";
  std::string json_time = "iso";
  int logon = 3, interface = 1, calls = 0, sysmbx = 0, unrelated = 20, lookalike = 1, malformed = 0;
  std::string call_mdb;
  bool dsaccess = false;
  std::vector<std::string> dcs, gcs;
  std::string out;
};

struct Event {
  int64_t time = 0;
  uint32_t id = 0;
  std::string source;
  std::string category;
  int type = 1;  // 1 error, 2 warning, 4 information (EVENTLOG_*_TYPE)
  std::vector<std::string> strings;
  std::string message;
  std::string raw;  // malformed row, written verbatim
};

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Platform-independent: only the engine's raw output is used.
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  std::string Guid() {
    static const char kHex[] = "0123456789abcdef";
    std::string g;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) g.push_back('-');
      g.push_back(kHex[Below(16)]);
    }
    return g;
  }

 private:
  std::mt19937_64 engine_;
};

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return s;
}

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "exdm_gen_events: " << message << "\n";
  std::exit(2);
}

int ToInt(const std::string& v, const char* name) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || n < 0 || n > 100000000) Die(std::string("bad value for ") + name);
  return static_cast<int>(n);
}

Options Parse(int argc, char** argv) {
  Options o;
  o.start = *exdm::ParseIso8601("2026-11-25T08:00:00Z");
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      std::exit(0);
    }
    if (a == "--dsaccess") {
      o.dsaccess = true;
      continue;
    }
    if (i + 1 >= argc) Die("missing value for " + a + " (see --help)");
    const std::string v = argv[++i];
    if (a == "--format") {
      if (v != "csv" && v != "jsonl") Die("--format: csv or jsonl");
      o.format = v;
    } else if (a == "--seed") {
      o.seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--server") {
      o.server = v;
    } else if (a == "--org") {
      o.org = v;
    } else if (a == "--admin-group") {
      o.admin_group = v;
    } else if (a == "--store-guid") {
      o.store_guids.push_back(v);
    } else if (a == "--start") {
      auto t = exdm::ParseIso8601(v);
      if (!t) Die("--start: expected ISO 8601");
      o.start = *t;
    } else if (a == "--duration") {
      o.duration = ToInt(v, "--duration");
    } else if (a == "--tz") {
      o.tz = v;
    } else if (a == "--json-time") {
      if (v != "iso" && v != "plain") Die("--json-time: iso or plain");
      o.json_time = v;
    } else if (a == "--logon-failures") {
      o.logon = ToInt(v, "--logon-failures");
    } else if (a == "--interface-failures") {
      o.interface = ToInt(v, "--interface-failures");
    } else if (a == "--call-failures") {
      o.calls = ToInt(v, "--call-failures");
    } else if (a == "--call-mdb") {
      o.call_mdb = v;
    } else if (a == "--system-mailbox-missing") {
      o.sysmbx = ToInt(v, "--system-mailbox-missing");
    } else if (a == "--dc") {
      o.dcs.push_back(v);
    } else if (a == "--gc") {
      o.gcs.push_back(v);
    } else if (a == "--unrelated") {
      o.unrelated = ToInt(v, "--unrelated");
    } else if (a == "--lookalike-326") {
      o.lookalike = ToInt(v, "--lookalike-326");
    } else if (a == "--malformed") {
      o.malformed = ToInt(v, "--malformed");
    } else if (a == "--out") {
      o.out = v;
    } else {
      Die("unknown option " + a + " (see --help)");
    }
  }
  if (o.dcs.empty()) o.dcs.push_back("dc1.contoso.com");
  if (o.gcs.empty()) o.gcs.push_back("gc1.contoso.com");
  return o;
}

std::vector<Event> MakeEvents(const Options& o, Rng& rng) {
  std::vector<Event> events;
  auto at = [&]() {
    return o.start + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(o.duration) + 1));
  };
  const std::string org_dn = "/o=" + o.org + "/ou=" + o.admin_group;
  for (int i = 0; i < o.logon; ++i) {
    const std::string& guid = o.store_guids[static_cast<size_t>(i) % o.store_guids.size()];
    // Event 326 prints the GUID braced and upper case; both DN shapes occur in the field.
    const std::string braced = "{" + Upper(guid) + "}";
    const std::string dn =
        (i % 2 == 0)
            ? org_dn + "/cn=Configuration/cn=Connections/cn=SMTP (" + o.server + ")/cn=" + braced
            : org_dn + "/cn=Configuration/cn=Connections/cn=SMTP (" + o.server + "-" + braced + ")";
    const std::string code = rng.Below(2) == 0 ? "0x80040148" : "0x80040158";
    const std::string account = rng.Below(2) == 0 ? "Service Account" : "NT AUTHORITY\\SYSTEM";
    Event e;
    e.time = at();
    e.id = 326;
    e.source = "MSExchangeTransport";
    e.category = "Exchange Store Driver";
    e.strings = {account, dn, code};
    e.message =
        account + " failed to logon to the store as " + dn + ". Error code : " + code +
        ".\r\n\r\nFor more information, click http://www.microsoft.com/contentredirect.asp.";
    events.push_back(e);
  }
  for (int i = 0; i < o.interface; ++i) {
    Event e;
    e.time = at();
    e.id = 1194;
    e.source = "MSExchangeIS";
    e.category = "General";
    e.strings = {"SMTP", "0x80004005"};
    e.message = "Accept clients on external interface SMTP failed with error 0x80004005.";
    events.push_back(e);
  }
  const std::string mdb = o.call_mdb.empty() ? o.store_guids.front() : o.call_mdb;
  for (int i = 0; i < o.calls; ++i) {
    Event e;
    e.time = at();
    e.id = 327;
    e.source = "MSExchangeTransport";
    e.category = "Exchange Store Driver";
    e.type = 2;
    e.strings = {"EcLocallyDeliverMsg", "-2147221233", mdb};
    e.message =
        "The following call : EcLocallyDeliverMsg to the store failed. Error code : "
        "-2147221233. MDB : " +
        mdb + ". FID : 1-1A2B. MID : 1-" + std::to_string(1000 + i) + ". File : .";
    events.push_back(e);
  }
  for (int i = 0; i < o.sysmbx; ++i) {
    Event e;
    e.time = at();
    e.id = 116;
    e.source = "EXOLEDB";
    e.category = "General";
    e.strings = {"SystemMailbox{" + Upper(o.store_guids.front()) + "}"};
    e.message = "Microsoft Exchange OLEDB could not open the system mailbox SystemMailbox{" +
                Upper(o.store_guids.front()) + "} of its store. HRESULT = 0x8004010f.";
    events.push_back(e);
  }
  if (o.dsaccess) {
    Event e;
    e.time = o.start;
    e.id = 2080;
    e.source = "MSExchangeDSAccess";
    e.category = "Topology";
    e.type = 4;
    std::string table;
    for (const auto& dc : o.dcs)
      table += " " + dc + "\tCD- 1 7 7 1 0 1 1 7 1\r\n";
    for (const auto& gc : o.gcs)
      table += " " + gc + "\tCDG 1 7 7 1 0 1 1 7 1\r\n";
    e.message =
        "Process MAD.EXE (PID=1884). DSAccess has discovered the following servers with "
        "the following characteristics: \r\n (Server name | Roles | Reachability | "
        "Synchronized | GC capable | PDC | SACL right | Critical Data | Netlogon | OS "
        "Version) \r\nIn-site:\r\n" +
        table + "Out-of-Site:\r\n";
    events.push_back(e);
  }
  for (int i = 0; i < o.lookalike; ++i) {
    Event e;
    e.time = at();
    e.id = 326;
    e.source = "ESE";
    e.category = "General";
    e.type = 4;
    e.message =
        "Information Store (2748) First Storage Group: The database engine attached a "
        "database (1, D:\\Program Files\\Exchsrvr\\mdbdata\\priv1.edb). (Time=0 seconds)";
    events.push_back(e);
  }
  static const struct {
    const char* source;
    uint32_t id;
    const char* category;
    int type;
    const char* message;
  } kNoise[] = {
      {"ESE", 701, "Online Defragmentation", 4,
       "Information Store (2748) First Storage Group: Online defragmentation has completed a "
       "full pass on database 'D:\\Program Files\\Exchsrvr\\mdbdata\\priv1.edb'."},
      {"MSExchangeIS Mailbox Store", 1221, "General", 4,
       "The database \"First Storage Group\\Mailbox Store (EXCH01)\" has 12 megabytes of free "
       "space after online defragmentation has terminated.\r\n\r\nFor more information, click "
       "http://www.microsoft.com/contentredirect.asp."},
      {"MSExchangeTransport", 7004, "Connection Manager", 2,
       "This is an SMTP protocol warning log, \"Remote host said: 421 4.4.2 try again\", for "
       "virtual server ID 1, connection #12."},
      {"Userenv", 1517, "None", 2,
       "Windows saved user CONTOSO\\svc-backup registry while an application or service was "
       "still using the registry during log off.\r\nThe memory used by the user's registry has "
       "not been freed."},
      {"MSExchangeSA", 9095, "General", 4, "The MAD Monitoring thread is initializing."},
  };
  for (int i = 0; i < o.unrelated; ++i) {
    const auto& n = kNoise[rng.Below(sizeof kNoise / sizeof kNoise[0])];
    Event e;
    e.time = at();
    e.id = n.id;
    e.source = n.source;
    e.category = n.category;
    e.type = n.type;
    e.message = n.message;
    events.push_back(e);
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.time < b.time; });
  // Unreadable rows go between real ones.
  for (int i = 0; i < o.malformed; ++i) {
    Event e;
    e.raw = "malformed";
    e.id = static_cast<uint32_t>(i);
    const size_t where = events.empty() ? 0 : rng.Below(events.size() + 1);
    events.insert(events.begin() + static_cast<std::ptrdiff_t>(where), e);
  }
  return events;
}

std::string LocalText(int64_t utc, const exdm::TimeZone& zone, bool iso) {
  const int32_t offset = zone.OffsetAt(utc);
  const int64_t local = utc + offset;
  const int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const auto secs = static_cast<int>(local - days * 86400);
  const exdm::CivilDate d = exdm::CivilFromDays(days);
  char buf[64];
  if (!iso) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d:%02d",
                  static_cast<long long>(d.year), d.month, d.day, secs / 3600, secs / 60 % 60,
                  secs % 60);
    return buf;
  }
  const int32_t a = offset < 0 ? -offset : offset;
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.000000%c%02d:%02d",
                static_cast<long long>(d.year), d.month, d.day, secs / 3600, secs / 60 % 60,
                secs % 60, offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return buf;
}

std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

const char* TypeName(int type) {
  return type == 1 ? "Error event" : type == 2 ? "Warning event" : "Information event";
}

void WriteCsv(std::ostream& out, const Options& o, const std::vector<Event>& events,
              const exdm::TimeZone& zone) {
  out << "EventLog,RecordNumber,TimeGenerated,TimeWritten,EventID,EventType,EventTypeName,"
         "EventCategory,EventCategoryName,SourceName,Strings,ComputerName,SID,Message,Data\r\n";
  uint64_t record = 4000;
  for (const Event& e : events) {
    ++record;
    if (!e.raw.empty()) {
      // Alternately: too few fields, and a time that is not one.
      if (e.id % 2 == 0) {
        out << "Application," << record << ",2026-11-25 10:00:00\r\n";
      } else {
        out << "Application," << record
            << ",yesterday,yesterday,326,1,Error event,1,Exchange "
               "Store Driver,MSExchangeTransport,,"
            << o.server << ",,broken row,\r\n";
      }
      continue;
    }
    const std::string t = LocalText(e.time, zone, false);
    std::string strings;
    for (size_t i = 0; i < e.strings.size(); ++i)
      strings += (i ? "|" : "") + e.strings[i];
    out << "Application," << record << "," << t << "," << t << "," << e.id << "," << e.type << ","
        << TypeName(e.type) << ",1," << CsvField(e.category) << "," << CsvField(e.source) << ","
        << CsvField(strings) << "," << CsvField(o.server) << ",," << CsvField(e.message) << ",\r\n";
  }
}

void WriteJson(std::ostream& out, const Options& o, const std::vector<Event>& events,
               const exdm::TimeZone& zone) {
  uint64_t record = 4000;
  for (const Event& e : events) {
    ++record;
    if (!e.raw.empty()) {
      if (e.id % 2 == 0) {
        out << "{\"EventTime\":\"2026-11-25 10:00:00\",\"EventID\":326,\"SourceName\":\"MSExch\n";
      } else {
        out << "{\"EventTime\":\"not a time\",\"Hostname\":\"" << o.server
            << "\",\"EventID\":326,\"SourceName\":\"MSExchangeTransport\",\"Message\":\"x\"}\n";
      }
      continue;
    }
    const char* severity = e.type == 1 ? "ERROR" : e.type == 2 ? "WARNING" : "INFO";
    nlohmann::ordered_json j;
    j["EventTime"] = LocalText(e.time, zone, o.json_time == "iso");
    j["Hostname"] = o.server;
    j["EventType"] = severity;
    j["SeverityValue"] = e.type == 1 ? 4 : e.type == 2 ? 3 : 2;
    j["Severity"] = severity;
    j["SourceName"] = e.source;
    j["FileName"] = "Application";
    j["EventID"] = e.id;
    j["CategoryNumber"] = 1;
    j["Category"] = e.category;
    j["RecordNumber"] = record;
    j["Message"] = e.message;
    j["EventReceivedTime"] = LocalText(e.time + 1, zone, o.json_time == "iso");
    j["SourceModuleName"] = "eventlog";
    j["SourceModuleType"] = "im_mseventlog";
    out << j.dump() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  Rng rng(o.seed);
  if (o.store_guids.empty()) o.store_guids.push_back(rng.Guid());
  auto zone = exdm::TimeZone::Load(o.tz);
  if (!zone) Die(zone.status().message());
  const std::vector<Event> events = MakeEvents(o, rng);
  std::ofstream file;
  if (!o.out.empty()) {
    file.open(o.out, std::ios::binary);
    if (!file) Die("cannot write " + o.out);
  }
  std::ostream& out = o.out.empty() ? std::cout : file;
  if (o.format == "csv") {
    WriteCsv(out, o, events, *zone);
  } else {
    WriteJson(out, o, events, *zone);
  }
  out.flush();
  return out ? 0 : 1;
}
