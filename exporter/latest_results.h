// The latest good result of each source collector (LDAP audit, tracking logs, event exports, the
// store snapshots),
// handed to the diagnosis collector, which correlates and diagnoses them with the core's
// CorrelateAndDiagnose (exdm/diagnosis/pipeline.h) and so never reads a source a second time.
// The collectors run on their own threads and intervals; shared_ptrs to immutable results are all
// they share.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "exdm/ad/mailbox_audit.h"
#include "exdm/events/evidence.h"
#include "exdm/store/dsaccess_snapshot.h"
#include "exdm/store/mailbox_snapshot.h"
#include "exdm/tracking/local_delivery.h"

namespace exdm::exporter {

class LatestResults {
 public:
  // Which sources are configured: the first diagnosis waits for their first attempts.
  LatestResults(bool audit, bool tracking, bool events, bool mailboxes = false,
                bool dsaccess = false)
      : expect_audit_(audit),
        expect_tracking_(tracking),
        expect_events_(events),
        expect_mailboxes_(mailboxes),
        expect_dsaccess_(dsaccess) {}

  // The latest good results; null where a source is not configured or has not succeeded yet.
  struct Results {
    std::shared_ptr<const AuditReport> audit;
    std::shared_ptr<const std::vector<LocalDeliveryReport>> tracking;
    std::shared_ptr<const EventEvidence> events;
    std::shared_ptr<const std::vector<MailboxSnapshot>> mailboxes;  // each server's last good
    std::shared_ptr<const std::vector<DsAccessSnapshot>> dsaccess;
    uint64_t generation = 0;  // changes with every good result
  };

  // After every attempt of a source; null when it failed (the last good result stays).
  void PublishAudit(std::shared_ptr<const AuditReport> report) {
    Publish(audit_attempted_, latest_.audit, std::move(report));
  }
  void PublishTracking(std::shared_ptr<const std::vector<LocalDeliveryReport>> servers) {
    Publish(tracking_attempted_, latest_.tracking, std::move(servers));
  }
  void PublishEvents(std::shared_ptr<const EventEvidence> evidence) {
    Publish(events_attempted_, latest_.events, std::move(evidence));
  }
  void PublishMailboxes(std::shared_ptr<const std::vector<MailboxSnapshot>> snapshots) {
    Publish(mailboxes_attempted_, latest_.mailboxes, std::move(snapshots));
  }
  void PublishDsAccess(std::shared_ptr<const std::vector<DsAccessSnapshot>> snapshots) {
    Publish(dsaccess_attempted_, latest_.dsaccess, std::move(snapshots));
  }

  // The latest results, after waiting until every configured source has made its first attempt,
  // at most `limit` (0: not at all), so the first diagnosis already sees them all.
  Results Get(std::chrono::milliseconds limit) const {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, limit, [this] {
      return (!expect_audit_ || audit_attempted_) && (!expect_tracking_ || tracking_attempted_) &&
             (!expect_events_ || events_attempted_) &&
             (!expect_mailboxes_ || mailboxes_attempted_) &&
             (!expect_dsaccess_ || dsaccess_attempted_);
    });
    return latest_;
  }

 private:
  template <typename T>
  void Publish(bool& attempted, std::shared_ptr<const T>& slot, std::shared_ptr<const T> value) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      attempted = true;
      if (value) {
        slot = std::move(value);
        ++latest_.generation;
      }
    }
    changed_.notify_all();
  }

  const bool expect_audit_, expect_tracking_, expect_events_, expect_mailboxes_, expect_dsaccess_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool audit_attempted_ = false, tracking_attempted_ = false, events_attempted_ = false;
  bool mailboxes_attempted_ = false, dsaccess_attempted_ = false;
  Results latest_;
};

}  // namespace exdm::exporter
