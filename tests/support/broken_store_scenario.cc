#include "broken_store_scenario.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "exdm/base/time_util.h"
#include "org_fixture.h"
#include "tracking_rows.h"

namespace exdm::testing {
namespace {

std::string Upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Rows go into the day file of their UTC date (YYYYMMDD.log), as Exchange writes them: a stall
// that began before midnight spans two files.
void WriteTrackingLog(const std::string& dir, int64_t now) {
  std::map<std::string, std::string> days;
  auto add = [&days](const std::string& row) {
    const std::string date = row.substr(0, 10);  // 2026-11-25
    std::string& day = days[date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2)];
    if (day.empty()) day = kTrackingLogHeader;
    day += row;
  };
  const std::string stuck = "stuck01@EXCH01.contoso.com";
  const int64_t since = now - 40 * 60;
  add(TrackingRowAt(since, "carol@contoso.com", 1036, stuck));
  for (int64_t t = since + 1; t < now; t += 5 * 60) {
    add(TrackingRowAt(t, "carol@contoso.com", 1028, stuck));
    add(TrackingRowAt(t, "carol@contoso.com", 1037, stuck));
  }
  add(TrackingRowAt(since + 60, "alice@contoso.com", 1036, "fine01@EXCH01.contoso.com"));
  add(TrackingRowAt(since + 61, "alice@contoso.com", 1028, "fine01@EXCH01.contoso.com"));
  for (const auto& [name, text] : days)
    std::ofstream(dir + "/" + name + ".log") << text;
}

std::string Event326(int64_t at, const std::string& guid_upper) {
  std::string time = FormatIso8601Utc(at);  // 2026-11-25T09:02:00Z -> 2026-11-25 09:02:00
  time = time.substr(0, 10) + " " + time.substr(11, 8);
  return R"({"EventTime": ")" + time +
         R"(", "Hostname": "EXCH01", "SourceName": "MSExchangeTransport", "EventID": 326, "Category": "Exchange Store Driver", "Message": "Service Account failed to logon to the store as /o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/cn={)" +
         guid_upper + R"(}. Error code : 0x80040148."})" + "\n";
}

}  // namespace

std::unique_ptr<BrokenStoreScenario> BrokenStoreScenario::Start(const std::string& dir,
                                                                const SystemUser& check_user) {
  auto scenario = std::make_unique<BrokenStoreScenario>();
  auto org = GenerateOrg({SampleOrg("demo")}, dir);
  if (!org) return nullptr;
  scenario->manifest = org->manifest;
  std::string sales_guid;
  for (const auto& s : org->manifest["stores"]) {
    if (s["store"] == "Sales") sales_guid = s["guid"].get<std::string>();
  }
  if (sales_guid.empty()) {
    ADD_FAILURE() << "no store Sales in the demo organization: " << org->manifest.dump();
    return nullptr;
  }
  scenario->slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  if (!scenario->slapd) return nullptr;

  const auto now = static_cast<int64_t>(std::time(nullptr));
  scenario->tracking_dir = dir + "/EXCH01.log";
  std::filesystem::create_directories(scenario->tracking_dir);
  chmod(scenario->tracking_dir.c_str(), 0755);
  WriteTrackingLog(scenario->tracking_dir, now);
  scenario->event_file = dir + "/EXCH01-application.jsonl";
  std::ofstream(scenario->event_file) << Event326(now - 20 * 60, Upper(sales_guid));

  scenario->password_file = dir + "/ldap.secret";
  std::filesystem::copy_file(scenario->slapd->monitor_password_file(), scenario->password_file,
                             std::filesystem::copy_options::overwrite_existing);
  chmod(scenario->password_file.c_str(), 0600);
  if (check_user.uid >= 0) ChownTree(scenario->password_file, check_user);
  return scenario;
}

bool BrokenStoreScenario::Expected::StatusLineMatches(const std::string& line, bool nagios) const {
  std::string pattern = status_line;
  if (nagios) std::replace(pattern.begin(), pattern.end(), ';', ':');
  return std::regex_match(line, std::regex(pattern));
}

// Status lines end where the plugin's '|' was: the daemons keep or drop the space before it.
BrokenStoreScenario::Expected BrokenStoreScenario::Mailbox() const {
  const std::string stores = std::to_string(manifest["stores"].size());
  return {2,
          std::string("EXCHANGE DELIVERY CRITICAL - 2 of " + stores +
                      " stores failing \\(missing, wrong_home_mta\\) ?"),
          {"stores=" + stores + ";;;0", "failing_stores=2;;~:0;0;" + stores}};
}

// The stall began 40 minutes before Start; the daemons run the check a little later.
BrokenStoreScenario::Expected BrokenStoreScenario::Queue() const {
  return {2,
          std::string("EXCHANGE DELIVERY CRITICAL - 1 stalled local delivery on EXCH01, oldest "
                      "4[0-2]m([0-9]+s)? \\(since [0-9T:Z-]+\\) ?"),
          {"stalled_deliveries=1;;;0", "retries=8c;;;0"}};
}

BrokenStoreScenario::Expected BrokenStoreScenario::Events() const {
  return {2,
          std::string("EXCHANGE DELIVERY CRITICAL - 1 store driver logon failure \\(326\\) for 1 "
                      "store on EXCH01 since [0-9T:Z-]+ ?"),
          {"logon_failures_326=1;;~:0;0"}};
}

// `all` restricted to EXCH01 (server = EXCH01): its three stores, Sales failing.
BrokenStoreScenario::Expected BrokenStoreScenario::All() const {
  return {2,
          std::string(
              "EXCHANGE DELIVERY CRITICAL - EXCH01 / First Storage Group / Sales: SMTP "
              "mailbox missing; 1 deliveries stalled up to 4[0-2]m([0-9]+s)?; 1 store-driver logon "
              "failures \\(326, 0x80040148\\) since [0-9T:Z-]+, .* ?"),
          {"failing_stores=1;;~:0;0;3", "stalled_deliveries=1;;;0", "logon_failures_326=1;;~:0;0"}};
}

}  // namespace exdm::testing
