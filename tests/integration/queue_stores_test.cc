// `check_exchange_delivery queue -H …`: stalled recipients tied to their stores over LDAP (the demo
// organization in a real slapd), aggregated per store with the scope of the stall; LDAP failing
// costs only the correlation. Also the bounded recipient cache of the core against the same slapd.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "exdm/ad/ldap_audit.h"
#include "exdm/diagnosis/recipient_stores.h"
#include "org_fixture.h"
#include "paths.h"
#include "run_program.h"
#include "slapd_fixture.h"
#include "temp_dir.h"
#include "tracking_rows.h"

namespace exdm::testing {
namespace {

std::string Row(const std::string& time, const std::string& rcpt, int event,
                const std::string& msgid) {
  return TrackingRow("2026-11-25", time, rcpt, event, msgid);
}

// One stalled delivery per entry of `stuck` (KB pattern: attempt + retry every 5 minutes since
// 09:00) and one delivery to each of `healthy` at 09:01, the rows in time order (as logged).
std::string Log(const std::vector<std::string>& stuck, const std::vector<std::string>& healthy) {
  std::vector<std::pair<int, std::string>> rows;  // seconds after 09:00, row
  auto at = [](int s) {
    return "9:" + std::string(s / 60 < 10 ? "0" : "") + std::to_string(s / 60) + ":" +
           (s % 60 < 10 ? "0" : "") + std::to_string(s % 60);
  };
  int n = 0;
  for (const std::string& rcpt : stuck) {
    const std::string id = "stuck" + std::to_string(++n) + "@EXCH01.contoso.com";
    rows.emplace_back(0, Row(at(0), rcpt, 1036, id));
    for (int t = 1; t <= 1201; t += 300) {
      rows.emplace_back(t, Row(at(t), rcpt, 1028, id));
      rows.emplace_back(t, Row(at(t), rcpt, 1037, id));
    }
  }
  for (const std::string& rcpt : healthy) {
    const std::string id = "fine" + std::to_string(++n) + "@EXCH01.contoso.com";
    rows.emplace_back(60, Row(at(60), rcpt, 1036, id));
    rows.emplace_back(61, Row(at(61), rcpt, 1028, id));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string log = kTrackingLogHeader;
  for (const auto& r : rows)
    log += r.second;
  return log;
}

class QueueStores : public ::testing::Test {
 protected:
  void SetUp() override {
    auto org = GenerateOrg({SampleOrg("demo")}, tmp_.path());
    ASSERT_TRUE(org);
    slapd_ = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
    ASSERT_TRUE(slapd_);
  }

  ProgramResult Queue(const std::string& log, const std::string& uri,
                      std::vector<std::string> extra = {}) {
    const std::string dir = tmp_.File("EXCH01.log");
    ::mkdir(dir.c_str(), 0755);
    std::ofstream(dir + "/20261125.log", std::ios::trunc) << log;
    std::vector<std::string> args = {CheckBinary(),
                                     "queue",
                                     "-H",
                                     uri,
                                     "-D",
                                     slapd_->monitor_dn(),
                                     "--password-file",
                                     slapd_->monitor_password_file(),
                                     "--tracking-dir",
                                     "EXCH01=" + dir,
                                     "--state-file",
                                     "none",
                                     "--now",
                                     "2026-11-25T09:31:00Z",
                                     "-t",
                                     "20"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunProgram(args);
  }

  TempDir tmp_;
  std::unique_ptr<Slapd> slapd_;
};

TEST_F(QueueStores, StallsAreListedPerStoreWithTheScopeAndNoAddress) {
  // carol and dave live on Sales (its SMTP mailbox is gone); alice on the other store is fine.
  const ProgramResult r =
      Queue(Log({"carol@contoso.com", "Dave@Contoso.com"}, {"alice@contoso.com"}), slapd_->uri());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  const std::vector<std::string> lines = SplitLines(r.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find("2 stalled local deliveries on EXCH01, oldest 31m"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("worst store EXCH01 / First Storage Group / Sales (2)"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(r.out.find("\n  scope: one of 2 stores (EXCH01 / First Storage Group / Sales)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n  EXCH01 / First Storage Group / Sales: 2 stalled to 2 recipients, "
                       "oldest 31m, e.g. message stuck1@EXCH01.contoso.com\n"),
            std::string::npos)
      << r.out;
  // Stores replace recipient domains; addresses appear nowhere, perfdata stays aggregate.
  for (const char* absent : {"carol", "dave", "contoso.com:", "stalls not tied"}) {
    EXPECT_EQ(r.out.find(absent), std::string::npos) << absent << "\n" << r.out;
  }
  EXPECT_NE(lines[0].find("| stalled_deliveries=2;"), std::string::npos) << lines[0];
}

TEST_F(QueueStores, EveryMailboxStoreOfTheServerIsTheWholeServer) {
  const ProgramResult r =
      Queue(Log({"alice@contoso.com", "bob@contoso.com", "carol@contoso.com"}, {}), slapd_->uri());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("\n  scope: every mailbox store of EXCH01 (2 stores)\n"), std::string::npos)
      << r.out;
  // Worst first: two deliveries on the first store before one on Sales.
  const size_t first = r.out.find("  EXCH01 / First Storage Group / Mailbox Store (EXCH01): 2 ");
  const size_t second = r.out.find("  EXCH01 / First Storage Group / Sales: 1 ");
  ASSERT_NE(first, std::string::npos) << r.out;
  ASSERT_NE(second, std::string::npos) << r.out;
  EXPECT_LT(first, second);
}

TEST_F(QueueStores, AFewMessagesOnAStoreThatStillReceivesMailAreSpecificMessages) {
  const ProgramResult r = Queue(Log({"alice@contoso.com"}, {"bob@contoso.com"}), slapd_->uri());
  EXPECT_NE(r.out.find("\n  scope: specific messages: 1 stalled on EXCH01 / First Storage Group / "
                       "Mailbox Store (EXCH01) while other mail is delivered there\n"),
            std::string::npos)
      << r.out;
}

TEST_F(QueueStores, UnknownRecipientsAreCountedNotNamed) {
  const ProgramResult r =
      Queue(Log({"carol@contoso.com", "nobody@contoso.com"}, {}), slapd_->uri());
  EXPECT_NE(r.out.find("\n1 stalled deliveries to 1 recipients not tied to an audited store"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("nobody"), std::string::npos) << r.out;
}

TEST_F(QueueStores, LdapDownKeepsTheQueueResultAndRaisesTheUnreachableState) {
  slapd_->Stop();
  const std::string log = Log({"carol@contoso.com"}, {});
  // Default --unreachable-state CRITICAL; the queue itself is only WARNING here.
  ProgramResult r = Queue(log, "ldap://127.0.0.1:1", {"--critical-age", "99999"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("1 stalled local delivery on EXCH01, oldest 31m"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("stalls not tied to stores: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  contoso.com: 1 stalled to 1 recipient"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stalled_deliveries=1;"), std::string::npos) << r.out;

  r = Queue(
      log, "ldap://127.0.0.1:1",
      {"--warning-age", "99999", "--critical-age", "99999", "--unreachable-state", "warning"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  // Nothing stalled: LDAP is asked only for the servers' message tracking settings, and its
  // failure is a note, never the state.
  r = Queue(Log({}, {"carol@contoso.com"}), "ldap://127.0.0.1:1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\nmessage tracking settings not read from AD: ldap://127.0.0.1:1: "),
            std::string::npos)
      << r.out;
}

TEST_F(QueueStores, RecipientCacheAnswersRepeatsWithoutLdapAndStaysBounded) {
  LdapSettings access;
  access.uris = {slapd_->uri()};
  access.bind_dn = slapd_->monitor_dn();
  access.password_file = slapd_->monitor_password_file();
  auto request = MakeAuditRequest(access, nullptr, Deadline::After(std::chrono::seconds(20)));
  ASSERT_TRUE(request) << request.status().message();
  const AuditReport audit = AuditOverLdap(*request, Deadline::After(std::chrono::seconds(20)));
  ASSERT_FALSE(audit.stores.empty());
  RecipientLookup lookup;
  lookup.connection = request->connection;
  lookup.connection.uri = slapd_->uri();

  RecipientStoreCache cache(/*max_entries=*/3, /*ttl_seconds=*/60);
  const std::vector<std::string> addresses = {"carol@contoso.com", "ALICE@contoso.com",
                                              "nobody@contoso.com"};
  auto first = cache.Resolve(lookup, addresses, audit.stores, 1000,
                             Deadline::After(std::chrono::seconds(20)));
  ASSERT_TRUE(first) << first.status().message();
  EXPECT_EQ(first->store_of.at("carol@contoso.com").store, "Sales");
  EXPECT_EQ(first->store_of.at("alice@contoso.com").store, "Mailbox Store (EXCH01)");
  EXPECT_EQ(first->not_found, 1u);
  EXPECT_EQ(cache.size(), 3u);

  // A hung directory: cached answers (negative ones too) need no LDAP at all.
  slapd_->Suspend();
  auto again = cache.Resolve(lookup, addresses, audit.stores, 1030,
                             Deadline::After(std::chrono::seconds(2)));
  slapd_->Resume();
  ASSERT_TRUE(again) << again.status().message();
  EXPECT_EQ(again->store_of, first->store_of);
  EXPECT_EQ(again->not_found, 1u);
  EXPECT_EQ(cache.hits(), 3u);

  // Expired answers are looked up again; a fourth address does not grow it past its bound.
  auto later = cache.Resolve(lookup, {"carol@contoso.com", "dave@contoso.com"}, audit.stores, 2000,
                             Deadline::After(std::chrono::seconds(20)));
  ASSERT_TRUE(later) << later.status().message();
  EXPECT_EQ(later->store_of.at("dave@contoso.com").store, "Sales");
  EXPECT_EQ(cache.hits(), 3u);
  EXPECT_LE(cache.size(), 3u);
}

}  // namespace
}  // namespace exdm::testing
