// The pipeline's two halves on the hand-written fixtures (a KB 1028 stall, an NXLog export with
// 326s) and an LDAP URI nobody listens on: each source keeps its own outcome, and what needs a
// directory view is skipped with the view's reason instead of hiding the local sources.
#include "exdm/diagnosis/pipeline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "exdm/base/time_util.h"
#include "exdm/events/settings.h"
#include "exdm/tracking/settings.h"
#include "paths.h"
#include "store_snapshot_fixtures.h"

namespace exdm {
namespace {

constexpr char kNow[] = "2026-11-24T10:36:00Z";  // the kb_1028 stall is 36 min old then

std::string Fixture(const std::string& path) {
  return testing::SourceDir() + "/tests/fixtures/" + path;
}

PipelineRequest LocalSources() {
  PipelineRequest request;
  request.now = *ParseIso8601(kNow);
  TrackingSettings tracking;
  tracking.dirs = {{"EXCH01", Fixture("tracking/kb_1028")}};
  request.tracking = MakeTrackingRunOptions(tracking, "all", "", request.now);
  EventSettings events;
  events.files = {{"EXCH03", Fixture("events/mixed.jsonl")}};
  // The export is from the next morning: a window that holds it.
  request.events =
      MakeEventRunOptions(events, "all-events", "", request.now, request.now - 86400 * 2);
  request.events->now = request.now + 86400 * 2;
  return request;
}

Deadline Generous() {
  return Deadline::After(std::chrono::seconds(30));
}

std::set<std::string> Kinds(const Diagnosis& d) {
  std::set<std::string> kinds;
  for (const StoreDiagnosis& s : d.stores)
    kinds.insert(std::string(DiagnosisKindName(s.kind)) + " " + s.store.server);
  for (const ServerDiagnosis& s : d.servers)
    kinds.insert(std::string(DiagnosisKindName(s.kind)) + " " + s.server);
  return kinds;
}

TEST(PipelineTest, GatheringKeepsEachSourcesOutcome) {
  PipelineRequest request = LocalSources();
  LdapSettings ldap;
  ldap.uris = {"ldap://127.0.0.1:1"};  // refused
  request.ldap = ldap;
  const GatheredSources gathered = GatherSources(request, Generous());

  ASSERT_TRUE(gathered.ldap_request && gathered.ldap_request->ok());
  ASSERT_TRUE(gathered.audit);
  ASSERT_EQ(gathered.audit->sources.size(), 1u);
  EXPECT_FALSE(gathered.audit->sources[0].up);
  EXPECT_EQ(gathered.audit->sources[0].error->code(), ErrorCode::kUnreachable);
  ASSERT_TRUE(gathered.tracking && gathered.tracking->ok());
  ASSERT_EQ((*gathered.tracking)->servers.size(), 1u);
  EXPECT_EQ((*gathered.tracking)->servers[0].stalled_deliveries, 1u);
  ASSERT_TRUE(gathered.events && gathered.events->ok());
  EXPECT_GT((*gathered.events)->evidence.LogonFailures(), 0u);
  EXPECT_FALSE(gathered.snapshots);  // not configured

  // Correlation needs a view that answered: skipped, with the view's own reason and code.
  const SourceResults results = gathered.Results(request.now);
  const CorrelatedDiagnosis diagnosed = CorrelateAndDiagnose(results, Generous());
  EXPECT_FALSE(diagnosed.correlation);
  ASSERT_FALSE(diagnosed.correlation_status.ok());
  EXPECT_EQ(diagnosed.correlation_status.code(), ErrorCode::kUnreachable);
  EXPECT_NE(diagnosed.correlation_status.message().find("ldap://127.0.0.1:1"), std::string::npos);
  // The stall on a server whose events were not read, and the 326s with no gateway checked.
  const std::set<std::string> kinds = Kinds(diagnosed.diagnosis);
  EXPECT_TRUE(kinds.count("unexplained_stall EXCH01")) << ::testing::PrintToString(kinds);
  EXPECT_TRUE(kinds.count("gateway_unchecked EXCH03")) << ::testing::PrintToString(kinds);
  for (const StoreDiagnosis& d : diagnosed.diagnosis.stores)
    EXPECT_NE(d.summary.find("no LDAP view answered"), std::string::npos) << d.summary;
}

TEST(PipelineTest, WithoutLdapNothingIsCorrelatedAndNothingFails) {
  const PipelineRun run = RunPipeline(LocalSources(), Generous());
  EXPECT_FALSE(run.sources.ldap_request);
  EXPECT_FALSE(run.sources.audit);
  EXPECT_FALSE(run.result.correlation);
  EXPECT_TRUE(run.result.correlation_status.ok());
  EXPECT_TRUE(run.unmatched_lookup.ok());
  const std::set<std::string> kinds = Kinds(run.result.diagnosis);
  EXPECT_TRUE(kinds.count("unexplained_stall EXCH01")) << ::testing::PrintToString(kinds);
  for (const StoreDiagnosis& d : run.result.diagnosis.stores)
    EXPECT_NE(d.summary.find("no LDAP source configured"), std::string::npos) << d.summary;
}

TEST(PipelineTest, ASourceThatFailsLeavesTheOthersWhole) {
  PipelineRequest request = LocalSources();
  request.events->time_zone = "Nowhere/Atlantis";  // the event run refuses it
  const GatheredSources gathered = GatherSources(request, Generous());
  ASSERT_TRUE(gathered.events);
  ASSERT_FALSE(gathered.events->ok());
  EXPECT_EQ(gathered.events->status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(gathered.tracking && gathered.tracking->ok());
  EXPECT_EQ((*gathered.tracking)->servers[0].stalled_deliveries, 1u);
  const SourceResults results = gathered.Results(request.now);
  EXPECT_EQ(results.events, nullptr);
  ASSERT_NE(results.tracking, nullptr);
  // Without the events, the stall's cause is unknown, not store-side exhaustion.
  const std::set<std::string> kinds = Kinds(CorrelateAndDiagnose(results, Generous()).diagnosis);
  EXPECT_EQ(kinds, std::set<std::string>{"unexplained_stall EXCH01"});
}

TEST(PipelineTest, SettingsBuildersCarryEverySetting) {
  TrackingSettings tracking;
  tracking.dirs = {{"EXCH01", "/srv/EXCH01.log"}};
  tracking.max_in_flight = 7;
  tracking.events = *MakeTrackingEventTable("1028", "1030");
  const TrackingRunOptions run = MakeTrackingRunOptions(tracking, "queue", "/tmp/s", 42);
  EXPECT_EQ(run.dirs.size(), 1u);
  EXPECT_EQ(run.consumer, "queue");
  EXPECT_EQ(run.state_path, "/tmp/s");
  EXPECT_EQ(run.now, 42);
  EXPECT_EQ(run.config.max_in_flight, 7u);
  EXPECT_EQ(run.config.events.RoleOf(1023), DeliveryRole::kNone);

  QueueSnapshotSettings snapshots;
  snapshots.files = {{"EXCH01", "/srv/EXCH01-queue.csv"}};
  snapshots.max_age_seconds = 60;
  const QueueSnapshotOptions read = MakeQueueSnapshotOptions(snapshots, 42);
  EXPECT_EQ(read.files.size(), 1u);
  EXPECT_EQ(read.max_age_seconds, 60);
  EXPECT_EQ(read.now, 42);

  EventSettings events;
  events.files = {{"EXCH01", "/srv/EXCH01.jsonl"}};
  events.time_zone = "Europe/Berlin";
  const EventRunOptions event_run = MakeEventRunOptions(events, "events", "/tmp/e", 100, 40);
  EXPECT_EQ(event_run.files.size(), 1u);
  EXPECT_EQ(event_run.time_zone, "Europe/Berlin");
  EXPECT_EQ(event_run.consumer, "events");
  EXPECT_EQ(event_run.state_path, "/tmp/e");
  EXPECT_EQ(event_run.now, 100);
  EXPECT_EQ(event_run.window_start, 40);
}

// The store snapshots through the second half: without LDAP, each store is judged as its own
// table lists it, the DSAccess view is computed, and the broken stores are in the repair.
TEST(PipelineTest, StoreSnapshotsAreJudgedAndPutInTheRepair) {
  const std::vector<MailboxSnapshot> mailboxes = {
      testing::LoadMailboxSnapshotFixture("EXCH03-mailboxes.csv", "EXCH03")};
  const std::vector<DsAccessSnapshot> dsaccess = {
      testing::LoadDsAccessSnapshotFixture("EXCH02-dsaccess.csv", "EXCH02")};
  SourceResults sources;
  sources.mailboxes = &mailboxes;
  sources.dsaccess = &dsaccess;
  sources.now = *ParseIso8601("2026-11-25T17:45:00Z");
  const CorrelatedDiagnosis result = CorrelateAndDiagnose(sources, Generous());
  ASSERT_TRUE(result.store_side);
  std::set<std::string> findings;
  for (const StoreFinding& f : result.store_side->findings)
    findings.insert(std::string(StoreFindingName(f.kind)) + " " + f.store.store);
  // Research "R&D" lists no SMTP mailbox, but only an audited mailbox store must have one.
  EXPECT_EQ(findings, (std::set<std::string>{"purge_pending Sales, Legal & Finance",
                                             "system_mailbox_disconnected Archive"}));
  ASSERT_TRUE(result.dsaccess);
  EXPECT_EQ(result.dsaccess->GlobalCatalogsOf("EXCH02"),
            (std::vector<std::string>{"gc2.contoso.com"}));
  std::set<std::string> stages;
  for (const StoreRepair& r : result.repairs)
    stages.insert(std::string(RepairStageName(r.stage)) + " " + r.store.store);
  EXPECT_EQ(stages, (std::set<std::string>{"purge Sales, Legal & Finance"}));
  EXPECT_FALSE(result.correlation);
}

}  // namespace
}  // namespace exdm
