// The snapshot store and the background runner: what a scrape sees, and how failures show.
#include "snapshot.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "collector_runner.h"
#include "families.h"

namespace exdm::exporter {
namespace {

std::string Gunzip(const std::string& in) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);  // checks the trailer's CRC and length too
  EXPECT_EQ(s.avail_in, 0u) << "more than one gzip member";
  out.resize(s.total_out);
  inflateEnd(&s);
  return out;
}

std::vector<prometheus::MetricFamily> StoreFamilies(const std::vector<std::string>& stores) {
  auto ok = Gauge("exchange_smtp_mailbox_ok", "1 when the store's SMTP mailbox is intact.");
  for (const auto& store : stores)
    AddSample(ok, {{"store", store}}, 1);
  return {ok};
}

TEST(SnapshotStoreTest, SeriesOfVanishedLabelSetsVanish) {
  SnapshotStore store("1.2.3", "abc");
  store.Register("audit");
  store.Publish("audit", StoreFamilies({"A", "B"}), {true, 0.5, 1000});
  std::string text = store.Current()->text;
  EXPECT_NE(text.find("exchange_smtp_mailbox_ok{store=\"B\"} 1"), std::string::npos) << text;
  store.Publish("audit", StoreFamilies({"A"}), {true, 0.5, 1001});
  text = store.Current()->text;
  EXPECT_NE(text.find("exchange_smtp_mailbox_ok{store=\"A\"} 1"), std::string::npos);
  EXPECT_EQ(text.find("store=\"B\""), std::string::npos) << text;
}

TEST(SnapshotStoreTest, GzipIsTheSameDocument) {
  SnapshotStore store("1.2.3", "abc");
  store.Publish("audit", StoreFamilies({"A"}), {true, 0.25, 1000});
  const auto snapshot = store.Current();
  // The prefix closed with an empty tail, and with the process_* lines a response appends.
  EXPECT_EQ(Gunzip(snapshot->gzip.bytes + GzipFinish(snapshot->gzip, "")), snapshot->text);
  const std::string tail = "process_open_fds 7\n";
  EXPECT_EQ(Gunzip(snapshot->gzip.bytes + GzipFinish(snapshot->gzip, tail)), snapshot->text + tail);
  EXPECT_NE(snapshot->text.find(
                "exchange_delivery_exporter_build_info{version=\"1.2.3\",revision=\"abc\"} 1"),
            std::string::npos);
  EXPECT_NE(snapshot->text.find("exchange_collector_success{collector=\"audit\"} 1"),
            std::string::npos);
  EXPECT_NE(snapshot->text.find("exchange_collector_duration_seconds{collector=\"audit\"} 0.25"),
            std::string::npos);
  EXPECT_NE(snapshot->text.find("# HELP exchange_smtp_mailbox_ok 1 when the store's SMTP mailbox "
                                "is intact. Refreshed in the background"),
            std::string::npos);
}

TEST(SnapshotStoreTest, RegisteredCollectorReportsFailureBeforeFirstRefresh) {
  SnapshotStore store("1", "r");
  store.Register("tracking");
  EXPECT_NE(store.Current()->text.find("exchange_collector_success{collector=\"tracking\"} 0"),
            std::string::npos);
  store.Unregister("tracking");
  EXPECT_EQ(store.Current()->text.find("collector=\"tracking\""), std::string::npos);
}

TEST(SnapshotStoreTest, LabelValuesAreSanitized) {
  SnapshotStore store("1", "r");
  store.Publish("audit", StoreFamilies({"evil\"}\nfake_metric 1"}), {true, 0, 0});
  const std::string text = store.Current()->text;
  EXPECT_EQ(text.find("\nfake_metric"), std::string::npos) << text;
}

// A collector whose outcome the test scripts: succeeds, then fails, then recovers.
class ScriptedCollector : public Collector {
 public:
  explicit ScriptedCollector(std::atomic<int>& refreshes) : refreshes_(refreshes) {}
  std::string name() const override { return "scripted"; }
  std::chrono::seconds interval() const override { return std::chrono::seconds(1); }
  Status Refresh() override {
    const int n = ++refreshes_;
    if (n == 2) return Status(ErrorCode::kUnreachable, "ldap://dc1: timeout");
    value_ = n;
    return Status::Ok();
  }
  std::vector<prometheus::MetricFamily> Families() const override {
    auto f = Gauge("exchange_test_value", "test");
    AddSample(f, {}, value_);
    return {f};
  }

 private:
  std::atomic<int>& refreshes_;
  int value_ = 0;
};

TEST(CollectorRunnerTest, FailureKeepsLastGoodValuesAndDropsSuccess) {
  SnapshotStore store("1", "r");
  std::atomic<int> refreshes{0};
  CollectorRunner runner(std::make_unique<ScriptedCollector>(refreshes), store);
  auto wait_for = [&](int n) {
    for (int i = 0; i < 300 && refreshes.load() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it publish
  };
  wait_for(1);
  EXPECT_NE(store.Current()->text.find("exchange_test_value 1"), std::string::npos);
  EXPECT_NE(store.Current()->text.find("exchange_collector_success{collector=\"scripted\"} 1"),
            std::string::npos);
  wait_for(2);  // the failing refresh
  const std::string failed = store.Current()->text;
  EXPECT_NE(failed.find("exchange_test_value 1"), std::string::npos) << failed;
  EXPECT_NE(failed.find("exchange_collector_success{collector=\"scripted\"} 0"), std::string::npos);
  wait_for(3);
  EXPECT_NE(store.Current()->text.find("exchange_test_value 3"), std::string::npos);
  runner.Stop();
}

TEST(CollectorRunnerTest, StopReturnsPromptlyBetweenRefreshes) {
  SnapshotStore store("1", "r");
  std::atomic<int> refreshes{0};
  auto runner =
      std::make_unique<CollectorRunner>(std::make_unique<ScriptedCollector>(refreshes), store);
  const auto start = std::chrono::steady_clock::now();
  runner->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

}  // namespace
}  // namespace exdm::exporter
